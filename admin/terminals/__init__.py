"""Kiosk terminals of a centre: confirm pairing, assign room and seat, revoke, unlock."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("terminals", __name__, url_prefix="/terminals", template_folder="templates")
MENU = [("admin.terminals.index", _l("Terminals"), (Role.ADMIN, Role.PROCTOR))]

from . import views  # noqa: E402,F401
