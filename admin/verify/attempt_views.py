"""Check a test in the database against its signed testing protocol
(``/admin/verify/attempt``), as ``examserver verify-attempt`` does."""
from __future__ import annotations

from flask import abort, render_template, request
from flask_babel import gettext as _

from examserver.appeals.replay import replay_attempt
from examserver.appeals.texts import discrepancy_text
from examserver.db import db
from examserver.models import Attempt, AttemptState, ProtocolKind
from examserver.protocols.store import get_protocol
from examserver.core.errors import ServiceError

from ..security import require_centre, role_required
from . import bp
from .views import ROLES


@bp.route("/attempt", methods=["POST"])
@role_required(*ROLES)
def attempt():
    """The journal, form and scores of the test a protocol number names, compared with what that protocol signed.

    Only tests of the user's centre (404 otherwise, like a number that does
    not exist); the answer keys are never shown here.
    """
    number = (request.form.get("number") or "").strip()[:64]
    try:
        protocol = get_protocol(number) if number else None
    except ServiceError:
        protocol = None
    if protocol is not None:
        require_centre(protocol.centre_id)
    if protocol is None or protocol.kind not in (ProtocolKind.TESTING, ProtocolKind.CORRECTION) \
            or protocol.attempt_id is None:
        return render_template("verify/index.html", report=None, filename="", number=number,
                               attempt_error=_("No testing protocol of this centre has this number.")), 404
    attempt = db.session.get(Attempt, protocol.attempt_id)
    if attempt is None or attempt.state != AttemptState.FINISHED:
        abort(404)
    try:
        rp = replay_attempt(attempt)
    except ServiceError as exc:  # a stored form that no longer fits the bank
        return render_template("verify/index.html", report=None, filename="", number=number,
                               attempt_error=exc.message), exc.status
    lines = [discrepancy_text({"code": d.code, "signed": d.signed, "found": d.found}) for d in rp.discrepancies]
    return render_template("verify/index.html", report=None, filename="", number=number, replay=rp,
                           attempt_lines=lines)
