"""The audit log for administrators (``/admin/audit``)."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")
MENU = [("admin.audit.index", _l("Audit log"), (Role.ADMIN,))]

from . import views  # noqa: E402,F401
