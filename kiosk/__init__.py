"""The kiosk blueprint: the candidate's side of the exam, at an enrolled terminal."""
from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk", template_folder="templates", static_folder="static")

from . import api, views  # noqa: E402,F401  (routes register on bp)


def init_app(app):
    """Serve the plain answer save and heartbeat without the framework (kiosk/fastpath.py)."""
    from .fastpath import install

    install(app)
