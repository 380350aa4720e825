"""The one form-handling flow every edit view uses: validate, one service call, commit, PRG."""

from collections.abc import Callable
from typing import Any

from flask import Response, flash, redirect, render_template
from flask_babel import gettext as _
from sqlalchemy.orm.exc import StaleDataError

from app.core.audit import plain_value, snapshot
from app.core.errors import ConflictError, DomainError
from app.core.forms import RecordForm
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


def pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
