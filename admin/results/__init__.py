"""Results received from every centre (``/admin/results``): the authority's
consolidated view, with filters and a CSV export."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("results", __name__, url_prefix="/results", template_folder="templates")
MENU = [("admin.results.index", _l("Results of all centres"), (Role.ADMIN,))]

from . import views  # noqa: E402,F401
