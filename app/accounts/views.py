from datetime import time, timedelta
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from app.accounts import permissions
from app.accounts.forms import (
    AuditFilterForm,
    LanguageForm,
    LoginForm,
    PasswordChangeForm,
    UserForm,
)
from app.accounts.models import User
from app.accounts.permissions import can_administer, can_read_audit_log
from app.accounts.services import (
    LOGIN_SESSION_KEY,
    authenticate,
    change_own_password,
    create_user,
    end_all_sessions,
    end_session,
    set_locale,
    start_session,
    update_user,
)
from app.core.audit import audit_page, audit_query, audited_types, object_label
from app.core.dates import local_to_utc
from app.core.errors import DomainError
from app.core.loading import allowed, loaded
from app.core.response_cache import LOCALE_COOKIE
from app.core.security import login_limits
from app.core.views import confirmed_post, handle_form
from app.extensions import db
from app.people.models import Person

bp = Blueprint("accounts", __name__)


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would let a phishing link borrow our login page."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not urlsplit(target).netloc
    ):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            _log_in(user)
            db.session.commit()
            flash(_("You are logged in."), "success")
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong email or password."), "error")
    status = 422 if form.is_submitted() else 200
    # Sent here from a page that needs a login (login_manager.login_message is not used).
    login_needed = not form.is_submitted() and bool(request.args.get("next"))
    return render_template("accounts/login.html", form=form, login_needed=login_needed), status


def _log_in(user: User) -> None:
    """A fresh session (no fixation) with a new login session of its own."""
    session.clear()
    login_user(user)
    session[LOGIN_SESSION_KEY] = start_session(user)


@bp.post("/logout")
@login_required
@confirmed_post
def logout():
    end_session(session.get(LOGIN_SESSION_KEY))
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The user's own account: a new password, and logging out everywhere."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            change_own_password(
                current_user,
                form.current_password.data,
                form.new_password.data,
                form.repeat_password.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form[error.field].errors = [*form[error.field].errors, error.message]
        else:
            # Every other session knew the old password and has ended; this one goes on anew.
            _log_in(current_user._get_current_object())
            db.session.commit()
            flash(_("Your password was changed. You were logged out everywhere else."), "success")
            return redirect(url_for(".account"))
    elif form.is_submitted():
        flash(_("Please correct the errors marked below."), "error")
    for field in (form.current_password, form.new_password, form.repeat_password):
        field.data = ""  # passwords are never sent back
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/account.html", form=form), status


@bp.post("/account/logout-everywhere")
@login_required
@confirmed_post
def logout_everywhere():
    """End every session of the account, on every device, this one included."""
    end_all_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You are logged out everywhere."), "success")
    return redirect(url_for(".login"))


def _with_locale_cookie(response: Response, locale: str) -> Response:
    """The reader's language as a preference cookie: no session, no record changes."""
    response.set_cookie(
        LOCALE_COOKIE,
        locale,
        max_age=365 * 24 * 3600,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


@bp.post("/language")
def language():
    """Logged in: the account's language (a change to a record, so a form with a CSRF token)."""
    form = LanguageForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        set_locale(current_user, form.locale.data)
        db.session.commit()
    response = redirect(_safe_next(request.form.get("next")))
    return _with_locale_cookie(response, form.locale.data)


@bp.get("/language")
def language_preference():
    """Anonymous readers: a link or GET form sets the language cookie, a preference only, so
    public pages need neither a session nor a CSRF token (and can be cached)."""
    locale = request.args.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    response = redirect(_safe_next(request.args.get("next")))
    return _with_locale_cookie(response, locale)


@bp.get("/users")
@login_required
@allowed(can_administer)
def users():
    accounts = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("accounts/users.html", users=accounts)


def _user_form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user)
    if user is not None and request.method == "GET":
        form.password.data = ""
    people = db.session.scalars(select(Person).order_by(Person.name))
    form.person_id.set_choices([(p.id, p.name_with_party) for p in people])
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@allowed(can_administer)
def new_user():
    return handle_form(
        _user_form(),
        lambda data: create_user(current_user, **data),
        template="form.html",
        title=_("New account"),
        cancel_url=url_for(".users"),
        success_url=lambda u: url_for(".users"),
        success_message=_("The account was saved."),
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@login_required
@loaded("user_id", User, permissions.can_edit_account)
def edit_user(user: User):
    form = _user_form(user)
    return handle_form(
        form,
        lambda data: update_user(current_user, user, form.version.data, **data),
        template="form.html",
        record=user,
        title=_("Edit account %(email)s", email=user.email),
        cancel_url=url_for(".users"),
        success_url=lambda u: url_for(".users"),
        success_message=_("The account was saved."),
    )


@bp.get("/admin/audit")
@login_required
@allowed(can_read_audit_log)
def audit():
    """The audit log: every change with who, when and the values before and after; filtered
    by kind of record, actor, record number and dates, a page at a time."""
    form = AuditFilterForm(formdata=request.args)
    form.object_type.choices = [("", _("— all —"))] + [
        (t, object_label(t)) for t in audited_types(db.session)
    ]
    users = db.session.scalars(select(User).order_by(User.email)).all()
    form.actor.set_choices([(u.id, u.email) for u in users])
    form.actor.choices[0] = (None, _("— all —"))
    filters: dict = {}
    if form.validate():
        until = form.until.data
        filters = {
            "object_type": form.object_type.data or None,
            "actor_id": form.actor.data,
            "object_id": form.object_id.data,
            "since": local_to_utc(form.since.data, time()) if form.since.data else None,
            "before": local_to_utc(until + timedelta(days=1), time()) if until else None,
        }
    page = request.args.get("page", 1, type=int)
    entries, pages = audit_page(db.session, audit_query(**filters), page)
    page = min(max(page, 1), pages)
    arguments = {k: v for k, v in request.args.items() if k not in ("page", "submit") and v}
    return render_template(
        "accounts/audit.html",
        form=form,
        entries=entries,
        actors={u.id: u for u in users},
        page=page,
        pages=pages,
        arguments=arguments,
    )
