"""Commission management: list, create (chair + up to five members), add and remove members."""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import Centre, Commission, ExamSession, Role, User
from examserver.appeals import commissions
from examserver.core.errors import ServiceError

from ..security import actor, current_db_user, require_centre, role_required
from . import bp
from .player import MAX_ID, form_id, form_ids

MANAGERS = (Role.ADMIN, Role.PROCTOR, Role.CHAIR)


def _centre() -> Centre | None:
    user = current_db_user()
    if user.role != Role.ADMIN:
        return db.session.get(Centre, user.centre_id) if user.centre_id else None
    raw = request.values.get("centre_id", "")
    centre_id = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 10 and int(raw) <= MAX_ID else None
    return db.session.get(Centre, centre_id) if centre_id else None


def _not_in_list() -> ServiceError:
    """One refusal for any id that is not a commission account of this centre:
    it never says whether the id exists or whose it is."""
    return ServiceError(_("Choose the chair and the members from this centre's list."), "not_in_list")


def _candidates(centre: Centre | None) -> list[User]:
    if centre is None:
        return []
    return list(db.session.scalars(sa.select(User).where(User.centre_id == centre.id, User.active.is_(True),
                                                         User.role.in_([Role.CHAIR, Role.MEMBER]))
                                   .order_by(User.full_name)))


@bp.route("/commissions", methods=["GET", "POST"])
@role_required(*MANAGERS)
def commission_list():
    centre = _centre()
    if request.method == "POST" and centre is not None:
        try:
            # Ids from the form are looked up only among this centre's own
            # accounts and sessions (never db.session.get on a raw id).
            listed = {u.id: u for u in _candidates(centre)}
            chair_id, member_ids, session_id = form_id("chair_id"), form_ids("member_ids"), form_id("session_id")
            if (chair_id is not None and chair_id not in listed) or any(i not in listed for i in member_ids):
                raise _not_in_list()
            session = None
            if session_id is not None:
                session = db.session.get(ExamSession, session_id)
                if session is None or session.centre_id != centre.id:
                    raise ServiceError(_("Choose a session of this centre."), "not_in_list")
            commissions.create_commission(centre, request.form.get("name", ""), listed.get(chair_id),
                                          [listed[i] for i in member_ids], actor(), session=session)
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("The commission is set up."), "success")
            return redirect(url_for(".commission_list"))
    sessions = list(db.session.scalars(sa.select(ExamSession).where(ExamSession.centre_id == centre.id)
                                       .order_by(ExamSession.starts_at.desc()).limit(50))) if centre else []
    return render_template("appeals/commissions.html", items=commissions.commissions_for_centre(
        centre.id if centre else None), candidates=_candidates(centre), sessions=sessions, centre=centre,
        ordered=commissions.ordered_members)


@bp.route("/commissions/<int:commission_id>/members", methods=["POST"])
@role_required(*MANAGERS)
def commission_member(commission_id: int):
    commission = db.session.get(Commission, commission_id)
    if commission is None:
        return redirect(url_for(".commission_list"))
    require_centre(commission.centre_id)
    try:
        user_id = form_id("user_id")
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".commission_list"))
    # Add: an account of the commission's centre; remove: one of its members. Any
    # other id gets the same answer, whoever it belongs to.
    if request.form.get("action") == "remove":
        pool = [m.user for m in commission.members]
    else:
        pool = _candidates(db.session.get(Centre, commission.centre_id))
    user = next((u for u in pool if u.id == user_id), None)
    if user is None:
        flash(_("Choose a person from this centre's list."), "error")
        return redirect(url_for(".commission_list"))
    try:
        if request.form.get("action") == "remove":
            commissions.remove_member(commission, user, actor(), request.form.get("reason", ""))
        else:
            commissions.add_member(commission, user, actor())
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("The commission is updated."), "success")
    return redirect(url_for(".commission_list"))
