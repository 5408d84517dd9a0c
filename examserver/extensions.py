"""Flask extensions, created at module level and bound in ``create_app``."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from examserver.db import db  # noqa: F401  (re-exported: ``from examserver.extensions import db``)

babel = Babel()
login_manager = LoginManager()
csrf = CSRFProtect()
