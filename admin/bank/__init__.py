"""The bank workbench (``/admin/bank``): items, review, blueprints and statistics,
for the testing authority's administrators (seed 003 §24, §22(б))."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("bank", __name__, url_prefix="/bank", template_folder="templates")
MENU = [("admin.bank.index", _l("Banks"), (Role.ADMIN,)),
        ("admin.bank.statistics", _l("Statistics"), (Role.ADMIN,))]

from . import views, stats_views, editor_views  # noqa: E402,F401
