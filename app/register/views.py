"""The decisions register (/beslut) and the uppdrag list (/uppdrag): what members and the
public read of the bodies' decisions, each filtered by what the reader may see."""

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from app.core.dates import local_today
from app.register import services as register

bp = Blueprint("register", __name__)


def _int_arg(name: str) -> int | None:
    return request.args.get(name, type=int)


@bp.get("/beslut")
def decisions():
    query = register.RegisterQuery(
        body_id=_int_arg("body"),
        year=_int_arg("year"),
        text=request.args.get("q", "").strip()[:200],
    )
    page = register.search_decisions(current_user, query, page=_int_arg("page") or 1)
    return render_template(
        "register/decisions.html",
        query=query,
        page=page,
        bodies=register.register_bodies(current_user),
        years=register.register_years(current_user),
        filtered=bool(query.body_id or query.year or query.text),
    )


@bp.get("/uppdrag")
def uppdrag():
    status = request.args.get("status", "")
    if status not in register.STATES | {register.ACTIVE}:
        status = ""
    assignee = request.args.get("assignee", "").strip() or None
    body_id = _int_arg("body")
    person = getattr(current_user, "person", None) if current_user.is_authenticated else None
    mine = bool(request.args.get("mine")) and person is not None
    today = local_today()
    entries = register.list_uppdrag(
        current_user,
        status=status or None,
        assignee=assignee,
        body_id=body_id,
        concerning=person if mine else None,
        today=today,
    )
    status_choices = [
        ("", _("All")),
        (register.ACTIVE, _("Open, overdue included")),
        *((state.value, state.label) for state in register.UppdragState),
    ]
    return render_template(
        "register/uppdrag.html",
        entries=entries,
        status=status,
        status_choices=status_choices,
        assignee=assignee or "",
        assignees=register.assignee_names(current_user),
        body_id=body_id,
        bodies=register.register_bodies(current_user),
        mine=mine,
        can_filter_mine=person is not None,
        today=today,
    )
