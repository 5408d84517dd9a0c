"""Login and logout. Failed logins are counted in the database by
``accounts.authenticate``; the view keeps those counters even though it refuses."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from examserver.core import accounts
from examserver.core import audit
from examserver.core import login_sessions
from examserver.core.errors import ServiceError

from ..security import LoginUser
from . import bp
from .forms import LoginForm, LogoutForm


def _safe_next(target: str | None) -> str:
    """Only local console paths: never redirect to another host after login."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/admin"):
            return target
    return url_for("admin.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("admin.index"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        # Keep the failure counters and audit entries even when refusing.
        g.commit_on_error = True
        try:
            user = accounts.authenticate(form.username.data, form.password.data, request.remote_addr or "")
        except ServiceError as exc:
            flash(exc.message, "error")
            status = exc.status
        else:
            if user is None:
                flash(_("Wrong username or password."), "error")
                status = 401
            else:
                token = login_sessions.start(user, request.remote_addr or "")
                login_user(LoginUser(user, token))
                return redirect(_safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    form = LogoutForm()
    if form.validate_on_submit() and current_user.is_authenticated:
        # End the session on the server: a copy of the cookie is worthless from now on.
        login_sessions.end(current_user.token, "logout")
        audit.record("user.logout", current_user.user, actor=audit.Actor.for_user(current_user.user))
    logout_user()
    flash(_("You have logged out."), "info")
    return redirect(url_for("admin.auth.login"))
