"""Views of the appeals console: list, file, review (replay), decide, sign, protocol PDF."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, Commission, ExamSession, Role, User
from examserver.appeals import commissions, decisions as appeal_decisions, filing as appeals
from examserver.appeals import protocols as appeal_protocols, replay as replay_service
from examserver.protocols import issuing as protocols
from examserver.core.errors import ServiceError

from ..security import actor, current_db_user, require_centre, role_required
from . import bp

ALL_ROLES = (Role.ADMIN, Role.PROCTOR, Role.CHAIR, Role.MEMBER)
FILERS = (Role.ADMIN, Role.PROCTOR)


def _centre_filter() -> int | None:
    user = current_db_user()
    return None if user.role == Role.ADMIN else user.centre_id


def load_appeal(appeal_id: int):
    """The appeal and its attempt, if the user's centre may see them (404 otherwise)."""
    try:
        appeal = appeals.get_appeal(appeal_id)
    except ServiceError:
        abort(404)
    attempt = appeals.attempt_of(appeal)
    require_centre(attempt.session.centre_id)
    return appeal, attempt


@bp.route("/")
@role_required(*ALL_ROLES)
def index():
    items = [(a, appeals.attempt_of(a)) for a in appeals.appeals_for_centre(_centre_filter())]
    return render_template("appeals/index.html", items=items, to_local=clock.to_local,
                           can_file=current_db_user().role in FILERS)


def _fileable_attempts() -> list[Attempt]:
    """Finished attempts of the user's centre still inside the appeal window, without an appeal."""
    query = (sa.select(Attempt).join(ExamSession, ExamSession.id == Attempt.session_id)
             .where(Attempt.state == AttemptState.FINISHED).order_by(Attempt.finished_at.desc()).limit(300))
    centre = _centre_filter()
    if centre is not None:
        query = query.where(ExamSession.centre_id == centre)
    return [a for a in db.session.scalars(query) if appeals.can_file(a)]


@bp.route("/file", methods=["GET", "POST"])
@role_required(*FILERS)
def file():
    if request.method == "POST":
        try:
            attempt = db.session.get(Attempt, int(request.form.get("attempt_id", "")))
        except ValueError:
            attempt = None
        if attempt is None:
            flash(_("Choose the candidate's test."), "error")
        else:
            require_centre(attempt.session.centre_id)
            try:
                appeal = appeals.file_appeal(attempt, request.form.get("statement", ""), "proctor", actor())
            except ServiceError as exc:
                flash(exc.message, "error")
            else:
                flash(_("Appeal %(number)s is filed.", number=appeal.number), "success")
                return redirect(url_for(".review", appeal_id=appeal.id))
    return render_template("appeals/file.html", attempts=_fileable_attempts(), to_local=clock.to_local,
                           deadline=appeals.appeal_deadline, statement=request.form.get("statement", ""))


def _commission(appeal, attempt) -> Commission | None:
    if appeal.commission_id:
        return db.session.get(Commission, appeal.commission_id)
    return commissions.commission_for_session(attempt.session)


@bp.route("/<int:appeal_id>")
@role_required(*ALL_ROLES)
def review(appeal_id: int):
    appeal, attempt = load_appeal(appeal_id)
    rp = replay_service.replay_attempt(attempt)
    commission = _commission(appeal, attempt)
    user = current_db_user()
    details = appeal.decision_details or {}
    signatures = {s.user_id: s for s in appeal_decisions.signatures_of(appeal)}
    present = [db.session.get(User, i) for i in details.get("present", [])]
    questions = replay_service.question_views(rp, attempt.language)
    return render_template(
        "appeals/review.html", appeal=appeal, attempt=attempt, rp=rp, questions=questions,
        steps=_steps_with_letters(rp, questions), commission=commission,
        members=commissions.ordered_members(commission) if commission else [],
        conflicts=commissions.proctor_conflicts(commission, attempt.session) if commission else set(),
        is_chair=commission is not None and any(m.user_id == user.id and m.is_chair for m in commission.members),
        original=next(iter(protocols.protocols_for_attempt(attempt)), None),
        current=protocols.protocol_for_attempt(attempt), appeal_protocol=appeal_protocols.appeal_protocol(appeal),
        present=present, signatures=signatures, details=details, to_local=clock.to_local,
        deadline=appeals.appeal_deadline(attempt), policy=_policy(),
    )


def _steps_with_letters(rp, questions) -> list[dict]:
    """Steps for the player, with the answer also in the letters the candidate saw (A, B, ...)."""
    letters = {q["index"]: {o["id"]: o["letter"] for o in q["options"]} for q in questions}
    out = []
    for step in rp.steps:
        d = step.to_dict()
        if d["selected"] is not None:
            shown = letters.get(d["slot"], {})
            d["letters"] = "".join(sorted(shown.get(o, "?") for o in d["selected"])) or "—"
        else:
            d["letters"] = ""
        out.append(d)
    return out


def _policy() -> str:
    from flask import current_app

    return current_app.config["NEUTRALISE_POLICY"]


def _corrections_from_form() -> list[dict]:
    """Rows ``corr_slot_N`` / ``corr_options_N`` / ``corr_reason_N`` of the decision form."""
    out = []
    for n in range(1, 11):
        slot = request.form.get(f"corr_slot_{n}", "").strip()
        if not slot:
            continue
        options = [o.strip().lower() for o in request.form.get(f"corr_options_{n}", "").replace(";", ",").split(",")]
        out.append({"slot": slot, "selected": [o for o in options if o],
                    "reason": request.form.get(f"corr_reason_{n}", "")})
    return out


@bp.route("/<int:appeal_id>/decide", methods=["POST"])
@role_required(Role.CHAIR)
def decide(appeal_id: int):
    appeal, attempt = load_appeal(appeal_id)
    verdict = request.form.get("decision", "")
    grounds = {"rejected": "score_confirmed"}.get(verdict, request.form.get("grounds", ""))
    remedy = request.form.get("remedy") or None
    if grounds == "defective_item":
        remedy = "neutralise"
    try:
        present = [int(i) for i in request.form.getlist("present")]
        appeal_decisions.decide(appeal, verdict, grounds, request.form.get("text", ""), present,
                                current_db_user(), actor(), remedy=remedy, corrections=_corrections_from_form(),
                                slots=[s for s in request.form.get("slots", "").replace(";", ",").split(",") if s.strip()])
    except ValueError:
        flash(_("Malformed form data."), "error")
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The decision is recorded. Each member present now confirms it with their password."), "success")
    return redirect(url_for(".review", appeal_id=appeal.id) + "#signing")


@bp.route("/<int:appeal_id>/sign", methods=["POST"])
@role_required(*ALL_ROLES)
def sign(appeal_id: int):
    appeal, attempt = load_appeal(appeal_id)
    try:
        member = db.session.get(User, int(request.form.get("member_id", "")))
    except ValueError:
        member = None
    if member is None:
        flash(_("Choose the member who signs."), "error")
        return redirect(url_for(".review", appeal_id=appeal.id) + "#signing")
    try:
        protocol = appeal_decisions.sign(appeal, member, request.form.get("password", ""), actor())
    except ServiceError as exc:  # a wrong password keeps its audit entry and rate count (keep=True)
        flash(exc.message, "error")
    else:
        flash(_("Signed by %(name)s.", name=member.full_name), "success")
        if protocol is not None:
            flash(_("The appeal protocol No. %(number)s is signed and issued.", number=protocol.number), "success")
    return redirect(url_for(".review", appeal_id=appeal.id) + "#signing")


@bp.route("/<int:appeal_id>/protocol.pdf")
@role_required(*ALL_ROLES)
def protocol_pdf(appeal_id: int):
    appeal, _attempt = load_appeal(appeal_id)
    protocol = appeal_protocols.appeal_protocol(appeal)
    if protocol is None:
        abort(404)
    lang = request.args.get("lang")
    pdf = protocols.render_pdf(protocol, lang) if lang in ("ky", "ru", "en") else protocols.pdf_for(protocol)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="appeal-{protocol.number}.pdf"'})


from . import commission_views  # noqa: E402,F401
