"""Accounts, centres and rooms, for administrators (``/admin/users``)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("users", __name__, url_prefix="/users", template_folder="templates")
MENU = [("admin.users.index", _l("Accounts and centres"), (Role.ADMIN,))]

from . import views  # noqa: E402,F401
