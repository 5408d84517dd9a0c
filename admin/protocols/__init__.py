"""Signed protocols in the console (``/admin/protocols``): list, view, download JSON and PDF."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("protocols", __name__, url_prefix="/protocols", template_folder="templates")
MENU = [("admin.protocols.index", _l("Protocols"), (Role.ADMIN, Role.PROCTOR, Role.CHAIR, Role.MEMBER))]

from . import views  # noqa: E402,F401
