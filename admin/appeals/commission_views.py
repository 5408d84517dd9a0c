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

MANAGERS = (Role.ADMIN, Role.PROCTOR, Role.CHAIR)


def _centre() -> Centre | None:
    user = current_db_user()
    centre_id = request.values.get("centre_id", type=int) if user.role == Role.ADMIN else user.centre_id
    return db.session.get(Centre, centre_id) if centre_id else None


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
            chair = db.session.get(User, request.form.get("chair_id", type=int) or 0)
            members = [db.session.get(User, int(i)) for i in request.form.getlist("member_ids")]
            session = db.session.get(ExamSession, request.form.get("session_id", type=int) or 0)
            commissions.create_commission(centre, request.form.get("name", ""), chair,
                                          [m for m in members if m is not None], actor(), session=session)
        except ValueError:
            flash(_("Malformed form data."), "error")
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
    user = db.session.get(User, request.form.get("user_id", type=int) or 0)
    if user is None:
        flash(_("Choose a person."), "error")
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
