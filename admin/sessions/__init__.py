"""Exam sessions in the console: list, plan, open, close (``/admin/sessions``)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("sessions", __name__, url_prefix="/sessions", template_folder="templates")
MENU = [("admin.sessions.index", _l("Sessions"), (Role.ADMIN, Role.PROCTOR))]

from . import views  # noqa: E402,F401
