"""Upload a protocol (JSON record or PDF) and see every check, as ``examserver verify`` does."""
from __future__ import annotations

from flask import flash, render_template, request
from flask_babel import gettext as _

from examserver.models import Role
from examserver.protocols.verify import trusted_keys, verify_bytes

from ..security import role_required
from . import bp
from .wording import check_label, failure_meaning

ROLES = (Role.ADMIN, Role.PROCTOR, Role.CHAIR, Role.MEMBER)
MAX_BYTES = 8 * 1024 * 1024


@bp.route("/", methods=["GET", "POST"])
@role_required(*ROLES)
def index():
    """GET: the upload form; POST: the checks of the uploaded file against the centre's keyring."""
    report = None
    filename = ""
    if request.method == "POST":
        upload = request.files.get("file")
        data = upload.read(MAX_BYTES + 1) if upload else b""
        filename = upload.filename if upload else ""
        if not data:
            flash(_("Choose a protocol file (.json or .pdf)."), "error")
            return render_template("verify/index.html", report=None, filename=""), 400
        if len(data) > MAX_BYTES:
            flash(_("The file is too large."), "error")
            return render_template("verify/index.html", report=None, filename=filename), 413
        report = verify_bytes(data, trusted_keys())
    return render_template("verify/index.html", report=report, filename=filename, check_label=check_label,
                           meaning=failure_meaning(report) if report is not None else "")
