"""The admin console (``/admin``): one blueprint made of feature sub-blueprints.

Each feature lives in its own sub-package (``views.py``, ``forms.py``,
``templates/<feature>/``) exposing ``bp``; they are registered here by name.
A feature may also expose ``MENU``: a list of ``(endpoint, label, roles)``
(label a lazy_gettext string, roles a tuple of ``Role``); base.html shows the
entries the current user's role may open.
"""
import importlib

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates", static_folder="static")

# Feature sub-packages of the console, in menu order.
FEATURES = ["auth", "sessions", "participants", "terminals", "room", "audit", "users", "appeals", "protocols", "verify",
            "competitions", "results", "bank"]

MENU: list[tuple] = []

for _name in FEATURES:
    _module = importlib.import_module(f"{__name__}.{_name}")
    bp.register_blueprint(_module.bp)
    MENU.extend(getattr(_module, "MENU", ()))

from . import home  # noqa: E402,F401  (the console's index page on ``bp``)


def init_app(app):
    """Called by ``create_app`` after registration: login manager wiring, menu."""
    from .security import init_login, menu_for_current_user

    init_login(app)

    @app.context_processor
    def _admin_menu():
        return {"admin_menu": menu_for_current_user}
