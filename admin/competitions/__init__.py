"""Competitions in the console (``/admin/competitions``), for the testing
authority: list with deadlines, announce, applicants and their stage, ranking
with section scores, tie-break scheduling, interview votes, decisions, reserve,
the signed protocol and the results letters."""
from flask import Blueprint
from flask_babel import lazy_gettext as _l

from examserver.models import Role

bp = Blueprint("competitions", __name__, url_prefix="/competitions", template_folder="templates")
MENU = [("admin.competitions.index", _l("Competitions"), (Role.ADMIN,))]

from . import views  # noqa: E402,F401
