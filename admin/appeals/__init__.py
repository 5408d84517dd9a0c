"""Technical appeals in the console (``/admin/appeals``): list, filing on a
candidate's behalf, the commission's review screen with the journal player,
the decision, members' signatures, commissions."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("appeals", __name__, url_prefix="/appeals", template_folder="templates")
MENU = [("admin.appeals.index", _l("Appeals"), (Role.ADMIN, Role.PROCTOR, Role.CHAIR, Role.MEMBER))]

from . import views  # noqa: E402,F401
