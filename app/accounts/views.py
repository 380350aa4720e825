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

from app.accounts.forms import LanguageForm, LoginForm, UserForm
from app.accounts.models import User
from app.accounts.permissions import can_administer
from app.accounts.services import authenticate, create_user, set_locale, update_user
from app.core.audit import AuditEntry
from app.core.forms import ConfirmForm
from app.core.response_cache import LOCALE_COOKIE
from app.core.views import handle_form
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
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on login: no fixation
            login_user(user)
            db.session.commit()
            flash(_("You are logged in."), "success")
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong email or password."), "error")
    status = 422 if form.is_submitted() else 200
    return render_template("accounts/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    if not ConfirmForm().validate_on_submit():
        abort(400)
    logout_user()
    session.clear()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))


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
def users():
    if not can_administer(current_user):
        abort(403)
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
def new_user():
    if not can_administer(current_user):
        abort(403)
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
def edit_user(user_id: int):
    user = db.get_or_404(User, user_id)
    if not can_administer(current_user):
        abort(403)
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


@bp.get("/audit")
@login_required
def audit():
    if not can_administer(current_user):
        abort(403)
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.at.desc()).limit(200)).all()
    actors = {u.id: u for u in db.session.scalars(select(User))}
    return render_template("accounts/audit.html", entries=entries, actors=actors)
