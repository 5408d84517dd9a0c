"""The console's index page: what the logged-in role may do."""
from flask import render_template
from flask_login import login_required

from . import bp


@bp.route("/")
@login_required
def index():
    return render_template("admin/index.html")
