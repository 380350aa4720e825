"""The one form-handling flow every edit view uses: validate, one service call, commit, PRG;
and the one check every bare button passes (``confirmed_post``)."""

import functools
import hashlib
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from flask import Response, abort, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.core.audit import plain_value, snapshot
from app.core.errors import ConflictError, DomainError
from app.core.forms import ConfirmForm, RecordForm
from app.documents.storage import read_bytes
from app.extensions import db


def handle_form(
    form: RecordForm,
    save: Callable[[dict[str, Any]], Any],
    *,
    template: str,
    success_url: Callable[[Any], str],
    success_message: str,
    record: Any = None,
    **context: Any,
) -> Any:
    """Run ``save`` with the form's data when it validates; otherwise show the form again.

    On any error the form is shown again with everything that was typed. When someone else
    saved the record in between, the saved values that differ are shown beside the form and
    the form takes the new version, so a second save is a deliberate overwrite.
    """
    conflict: dict[str, Any] | None = None
    if form.is_submitted() and form.validate():
        try:
            result = save(form.data_for_service())
            db.session.commit()
        except (ConflictError, StaleDataError):
            db.session.rollback()
            if record is not None:
                db.session.refresh(record)
                saved = snapshot(record)
                conflict = {
                    form[name].label.text: saved[name]
                    for name, value in form.data_for_service().items()
                    if name in saved and saved[name] != plain_value(value)
                }
                form.version.data = record.version
            flash(ConflictError().message, "error")
        except DomainError as error:
            db.session.rollback()
            if error.field and error.field in form:
                form[error.field].errors = [*form[error.field].errors, error.message]
            else:
                flash(error.message, "error")
        else:
            flash(success_message, "success")
            return redirect(success_url(result))
    elif form.is_submitted():
        flash(_("Please correct the errors marked below."), "error")
    elif record is not None:
        form.version.data = record.version
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, conflict=conflict, record=record, **context), status


P = ParamSpec("P")
R = TypeVar("R")


def confirmed_post(view: Callable[P, R]) -> Callable[P, R]:
    """A bare button's POST: the CSRF-bearing ``ConfirmForm`` must validate, else 400.

    Put it under ``@login_required`` (anonymous users are sent to log in first). CSRFProtect
    has already refused a bad token before any view runs, so checking here, before the view
    loads and authorises, changes no answer: a refusal is still 403/404 from the view."""

    @functools.wraps(view)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not ConfirmForm().validate_on_submit():
            abort(400)
        return view(*args, **kwargs)

    return wrapper


def run_action(action, success: str, redirect_to: str):
    """One state change from a button: call the service, commit, say how it went, redirect."""
    try:
        action()
        db.session.commit()
        flash(success, "success")
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    return redirect(redirect_to)


def pdf_response(pdf: bytes, filename: str, *, sha256: str | None = None) -> Response:
    """A PDF with a strong ETag (its sha256) that answers a matching If-None-Match with 304.

    Cache-Control: what an anonymous reader gets is public by definition (``public``), anything
    served to a logged-in reader may be more than the public sees (``private``). Either way a
    cache must revalidate (``no-cache``): the same URL may carry new bytes (a regenerated agenda,
    a rättelse), which the ETag tells apart. ``Vary: Cookie`` keeps a shared cache from handing a
    public copy to a member, whose same URL may be the signed original.
    """
    return _conditional_pdf(sha256 or hashlib.sha256(pdf).hexdigest(), lambda: pdf, filename)


def stored_pdf_response(sha256: str, filename: str) -> Response:
    """A stored file (app.documents.storage) by its sha256: a 304 never reads the file."""
    return _conditional_pdf(sha256, lambda: read_bytes(sha256), filename)


def _conditional_pdf(etag: str, content: Callable[[], bytes], filename: str) -> Response:
    if request.if_none_match.contains_weak(etag):  # RFC 9110 13.1.2: weak comparison
        response = Response(status=304)
    else:
        response = Response(content(), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(etag)
    response.headers["Cache-Control"] = (
        "private, no-cache" if current_user.is_authenticated else "public, no-cache"
    )
    response.vary.add("Cookie")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
