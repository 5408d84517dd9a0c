"""Account management: create, activate/deactivate; centres and rooms."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from examserver.db import db
from examserver.models import Centre, Role, User
from examserver.core import accounts
from examserver.core import centres
from examserver.core import passwords
from examserver.core.errors import ServiceError
from examserver.core.input_guard import form_int

from ..security import actor, role_required
from . import bp


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    users = db.session.scalars(sa.select(User).order_by(User.active.desc(), User.username)).all()
    all_centres = db.session.scalars(sa.select(Centre).order_by(Centre.code)).all()
    return render_template("users/index.html", users=users, centres=all_centres, roles=list(Role),
                           password_rule=passwords.RULE, password_min=passwords.MIN_LENGTH)


def _back(exc: ServiceError | None = None):
    if exc is not None:
        flash(exc.message, "error")
        return redirect(url_for(".index")), 303
    return redirect(url_for(".index"))


@bp.route("/new", methods=["POST"])
@role_required(Role.ADMIN)
def create():
    form = request.form
    centre_id = form_int("centre_id")
    centre = db.session.get(Centre, centre_id) if centre_id else None
    try:
        role = Role(form.get("role", ""))
        accounts.create_user(form.get("username", ""), form.get("password", ""), role, form.get("full_name", ""),
                             centre, actor())
    except ValueError:
        return _back(ServiceError(_("Choose a role."), "role"))
    except ServiceError as exc:
        return _back(exc)
    flash(_("The account is created."), "success")
    return _back()


@bp.route("/<int:user_id>/active", methods=["POST"])
@role_required(Role.ADMIN)
def set_active(user_id: int):
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    active = request.form.get("active") == "1"
    reason = (request.form.get("reason") or "").strip()
    if not reason:
        return _back(ServiceError(_("A reason is required."), "reason_required"))
    if user.id == actor().id and not active:
        return _back(ServiceError(_("You cannot deactivate your own account."), "self"))
    accounts.set_active(user, active, actor(), reason)
    flash(_("The account is activated.") if active else _("The account is deactivated and logged out everywhere."),
          "success")
    return _back()


@bp.route("/centres", methods=["POST"])
@role_required(Role.ADMIN)
def create_centre():
    form = request.form
    try:
        centres.create_centre(form.get("code", ""), {"ky": form.get("name_ky", ""), "ru": form.get("name_ru", ""),
                                                     "en": form.get("name_en", "")}, form.get("address", ""), actor())
    except ServiceError as exc:
        return _back(exc)
    flash(_("The centre is created."), "success")
    return _back()


@bp.route("/rooms", methods=["POST"])
@role_required(Role.ADMIN)
def create_room():
    centre_id = form_int("centre_id")
    centre = db.session.get(Centre, centre_id) if centre_id else None
    if centre is None:
        abort(404)
    seats = form_int("seats", low=0, high=100000) or 0
    try:
        centres.create_room(centre, request.form.get("name", ""), seats, actor())
    except ServiceError as exc:
        return _back(exc)
    flash(_("The room is created."), "success")
    return _back()
