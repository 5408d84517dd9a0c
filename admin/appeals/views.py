"""Views of the appeals console: list, file, review (replay), decide, sign, protocol PDF."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from examserver import clock
from examserver.db import db
from examserver.models import Attempt, AttemptState, Commission, ExamSession, Role, User
from examserver.appeals import commissions, decisions as appeal_decisions, filing as appeals
from examserver.appeals import protocols as appeal_protocols, replay as replay_service
from examserver.protocols import issuing as protocols
from examserver.core.errors import ServiceError

from ..lists import paginate
from ..security import actor, current_db_user, require_centre, role_required
from . import bp
from .player import corrections_from_form, discrepancy_lines, form_id, form_ids, steps_for_player

ALL_ROLES = (Role.ADMIN, Role.PROCTOR, Role.CHAIR, Role.MEMBER)
FILERS = (Role.ADMIN, Role.PROCTOR)
# The review shows the answer keys (seed 003 §35: to the commission, in the
# candidate's presence): only the appeal's own commission and administrators.
REVIEWERS = (Role.ADMIN, Role.CHAIR, Role.MEMBER)
NOTICES = "appeal_notices"


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


def may_review(appeal, attempt) -> bool:
    """Administrators, and the chair and members of this appeal's commission."""
    user = current_db_user()
    return user.role == Role.ADMIN or commissions.is_member(_commission(appeal, attempt), user)


def load_for_commission(appeal_id: int):
    """:func:`load_appeal`, and 403 unless the user may review this appeal."""
    appeal, attempt = load_appeal(appeal_id)
    if not may_review(appeal, attempt):
        abort(403)
    return appeal, attempt


def notice(message: str, category: str, anchor: str) -> None:
    """A message shown next to ``anchor`` on the review page (where the person is),
    not at the top of a long page like a flash."""
    session[NOTICES] = [*session.get(NOTICES, []), [anchor, category, message]]


@bp.route("/")
@role_required(*ALL_ROLES)
def index():
    search, state = (request.args.get("q") or "")[:64], request.args.get("state") or ""
    page = paginate(appeals.appeals_query(_centre_filter(), search, state))
    items = [(a, appeals.attempt_of(a)) for a in page.items]
    # The review (with the keys) is linked only for those who may open it.
    reviewable = {a.id for a, attempt in items if may_review(a, attempt)}
    return render_template("appeals/index.html", items=items, to_local=clock.to_local, reviewable=reviewable,
                           page=page, search=search, state=state,
                           can_file=current_db_user().role in FILERS,
                           can_manage=current_db_user().role in (Role.ADMIN, Role.PROCTOR, Role.CHAIR))


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
            attempt_id = form_id("attempt_id")
        except ServiceError:
            attempt_id = None
        attempt = db.session.get(Attempt, attempt_id) if attempt_id else None
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
                if may_review(appeal, attempt):
                    return redirect(url_for(".review", appeal_id=appeal.id))
                return redirect(url_for(".index"))
    return render_template("appeals/file.html", attempts=_fileable_attempts(), to_local=clock.to_local,
                           deadline=appeals.appeal_deadline, statement=request.form.get("statement", ""))


def _commission(appeal, attempt) -> Commission | None:
    if appeal.commission_id:
        return db.session.get(Commission, appeal.commission_id)
    return commissions.commission_for_session(attempt.session)


@bp.route("/<int:appeal_id>")
@role_required(*REVIEWERS)
def review(appeal_id: int):
    appeal, attempt = load_for_commission(appeal_id)
    rp = replay_service.replay_attempt(attempt)
    commission = _commission(appeal, attempt)
    user = current_db_user()
    details = appeal.decision_details or {}
    signatures = {s.user_id: s for s in appeal_decisions.signatures_of(appeal)}
    present = [db.session.get(User, i) for i in details.get("present", [])]
    questions = replay_service.question_views(rp, attempt.language)
    notices: dict[str, list] = {}
    for anchor, category, message in session.pop(NOTICES, []):
        notices.setdefault(anchor, []).append((category, message))
    return render_template(
        "appeals/review.html", appeal=appeal, attempt=attempt, rp=rp, questions=questions,
        steps=steps_for_player(rp, questions), discrepancies=discrepancy_lines(rp), notices=notices,
        commission=commission,
        members=commissions.ordered_members(commission) if commission else [],
        conflicts=commissions.proctor_conflicts(commission, attempt.session) if commission else set(),
        is_chair=commission is not None and any(m.user_id == user.id and m.is_chair for m in commission.members),
        original=next(iter(protocols.protocols_for_attempt(attempt)), None),
        current=protocols.protocol_for_attempt(attempt), appeal_protocol=appeal_protocols.appeal_protocol(appeal),
        present=present, signatures=signatures, details=details, to_local=clock.to_local,
        deadline=appeals.appeal_deadline(attempt), policy=_policy(),
    )


def _policy() -> str:
    from flask import current_app

    return current_app.config["NEUTRALISE_POLICY"]


@bp.route("/<int:appeal_id>/decide", methods=["POST"])
@role_required(Role.CHAIR)
def decide(appeal_id: int):
    """Record the decision: corrections are the options the chair ticked, defective questions are ticked too."""
    appeal, attempt = load_for_commission(appeal_id)
    verdict = request.form.get("decision", "")
    grounds = {"rejected": "score_confirmed"}.get(verdict, request.form.get("grounds", ""))
    remedy = request.form.get("remedy") or None
    if grounds == "defective_item":
        remedy = "neutralise"
    try:
        present = form_ids("present")
        rp = replay_service.replay_attempt(attempt)
        corrections = corrections_from_form(rp) if remedy == "rescore" else []
        appeal_decisions.decide(appeal, verdict, grounds, request.form.get("text", ""), present,
                                current_db_user(), actor(), remedy=remedy, corrections=corrections,
                                slots=form_ids("slots"))
    except ServiceError as exc:
        notice(exc.message, "error", "decision-form")
        return redirect(url_for(".review", appeal_id=appeal.id) + "#decision-form")
    notice(_("The decision is recorded. Each member present now confirms it with their password."), "success",
           "signing")
    return redirect(url_for(".review", appeal_id=appeal.id) + "#signing")


@bp.route("/<int:appeal_id>/sign", methods=["POST"])
@role_required(*REVIEWERS)
def sign(appeal_id: int):
    """A member present signs with their own password (on the commission's screen)."""
    appeal, attempt = load_for_commission(appeal_id)
    back = redirect(url_for(".review", appeal_id=appeal.id) + "#signing")
    try:
        member_id = form_id("member_id")
    except ServiceError as exc:
        notice(exc.message, "error", "signing")
        return back
    # Only a member of this commission is looked up: an id from the form never
    # reveals another person's name.
    commission = _commission(appeal, attempt)
    member = next((m.user for m in (commission.members if commission else []) if m.user_id == member_id), None)
    if member is None:
        notice(_("Choose the member who signs."), "error", "signing")
        return back
    try:
        protocol = appeal_decisions.sign(appeal, member, request.form.get("password", ""), actor())
    except ServiceError as exc:  # a wrong password keeps its audit entry and rate count (keep=True)
        notice(exc.message, "error", "signing")
    else:
        notice(_("Signed by %(name)s.", name=member.full_name), "success", "signing")
        if protocol is not None:
            notice(_("The appeal protocol No. %(number)s is signed and issued.", number=protocol.number), "success",
                   "signing")
    return back


@bp.route("/<int:appeal_id>/protocol.pdf")
@role_required(*ALL_ROLES)
def protocol_pdf(appeal_id: int):
    """The signed appeal protocol (no answer keys in it): the commission, administrators
    and the centre's proctors, who hand it to the candidate."""
    appeal, _attempt = load_appeal(appeal_id)
    protocol = appeal_protocols.appeal_protocol(appeal)
    if protocol is None:
        abort(404)
    lang = request.args.get("lang")
    pdf = protocols.render_pdf(protocol, lang) if lang in ("ky", "ru", "en") else protocols.pdf_for(protocol)
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="appeal-{protocol.number}.pdf"'})


from . import commission_views  # noqa: E402,F401
