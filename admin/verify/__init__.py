"""Check an uploaded protocol file (``/admin/verify``), for every logged-in role."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("verify", __name__, url_prefix="/verify", template_folder="templates")
MENU = [("admin.verify.index", _l("Verify a protocol"), (Role.ADMIN, Role.PROCTOR, Role.CHAIR, Role.MEMBER))]

from . import views, attempt_views  # noqa: E402,F401
