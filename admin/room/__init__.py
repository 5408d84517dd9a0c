"""The live room view of a session (``/admin/room``): a table polled by admin.js
and the proctor's interventions, each with a required reason."""
from flask import Blueprint

bp = Blueprint("room", __name__, url_prefix="/room", template_folder="templates")

from . import views  # noqa: E402,F401
