"""Who may see what in the console: login wiring and role checks."""
from __future__ import annotations

from functools import wraps

from flask import abort, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from examserver.core import login_sessions
from examserver.extensions import login_manager
from examserver.models import Role, User
from examserver.core.audit import Actor


class LoginUser:
    """Flask-Login wrapper. Its id is the token of a server-side login session
    (``examserver.core.login_sessions``): logging out, deactivation, the idle
    timeout and the absolute lifetime end the session on the server, so a copy
    of the cookie stops working too."""

    def __init__(self, user: User, token: str):
        self.user = user
        self.token = token
        self.is_authenticated = True
        self.is_active = user.active
        self.is_anonymous = False

    def get_id(self) -> str:
        return self.token

    def __getattr__(self, name):
        return getattr(self.user, name)


def init_login(app) -> None:
    login_manager.login_view = "admin.auth.login"
    login_manager.login_message = _l("Please log in.")

    @login_manager.user_loader
    def load_user(token: str):
        # One indexed lookup per console request (login_session.token_hash).
        user = login_sessions.resolve(token)
        if user is None:
            return None
        g.actor = Actor.for_user(user)
        return LoginUser(user, token)


def role_required(*roles: Role):
    """View decorator: logged in and one of ``roles`` (403 otherwise)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def can_access_centre(centre_id: int | None) -> bool:
    """Administrators see every centre; everyone else only their own."""
    if current_user.role == Role.ADMIN:
        return True
    return centre_id is not None and centre_id == current_user.centre_id


def require_centre(centre_id: int | None) -> None:
    """Abort with 404 (not 403: do not reveal other centres' objects) if not allowed."""
    if not can_access_centre(centre_id):
        abort(404)


def visible_or_404(obj, centre_id: int | None = None):
    """``obj`` if it exists and its centre (``obj.centre_id`` unless given) is one
    the user may see; 404 otherwise, so other centres' objects stay invisible."""
    if obj is None:
        abort(404)
    require_centre(obj.centre_id if centre_id is None else centre_id)
    return obj


def current_db_user() -> User:
    return current_user.user



def menu_for_current_user() -> list[tuple[str, str]]:
    """``(endpoint, label)`` of the menu entries the current user's role may open."""
    from . import MENU

    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, roles in MENU if current_user.role in roles]


def json_error(exc):
    """A service refusal as ``({"error", "message"}, status)`` for JSON views."""
    from flask import jsonify

    return jsonify({"error": exc.code, "message": exc.message, **getattr(exc, "details", {})}), exc.status


def actor():
    """The audit actor of the logged-in user."""
    return Actor.for_user(current_user.user)


# Who runs exam sessions: the authority's administrators and the centres' proctors.
STAFF = (Role.ADMIN, Role.PROCTOR)
