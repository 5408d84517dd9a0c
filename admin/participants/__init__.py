"""Participants of a session: registration, CSV import, admission, codes and slips."""
from flask import Blueprint

bp = Blueprint("participants", __name__, url_prefix="/participants", template_folder="templates")

from . import views  # noqa: E402,F401
