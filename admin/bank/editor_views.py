"""Editors of blueprints (a new version, with the live feasibility check) and of positions."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from question_bank.blueprint import POSITION_GROUPS

from examserver.bank import blueprint_editor as editor
from examserver.bank import blueprints as bp_service
from examserver.bank import catalogue
from examserver.bank import positions as pos_service
from examserver.core.errors import NotFound, ServiceError
from examserver.models import Role

from ..security import actor, role_required
from . import bp

SPARE_QUOTAS = 2


def _render(base, values: dict, errors: dict, latest: int, fill, message: str = "", status: int = 200):
    return render_template("bank/edit_blueprint.html", base=base, values=values, errors=errors, latest=latest,
                           fill=fill, message=message, topics=catalogue.topics(), langs=editor.LANGS,
                           offered=editor.languages_for(base),
                           spare=SPARE_QUOTAS, max_sections=editor.MAX_SECTIONS, max_quotas=editor.MAX_QUOTAS,
                           comment=request.form.get("comment", "")[:2000] if request.method == "POST" else ""
                           ), status


@bp.route("/blueprints/<code>/<int:version>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_blueprint(code: str, version: int):
    """A new version of a blueprint from this one: every field checked, the feasibility shown before saving
    (*Check*), saved unapproved as the next version (*Save*) for another administrator to approve."""
    try:
        base = bp_service.get(code[:40], version)
    except NotFound:
        abort(404)
    latest = editor.latest_version(base.code)
    if request.method == "GET":
        return _render(base, editor.values_of(base.payload), {}, latest, bp_service.feasibility(base))
    expected = request.form.get("latest", type=int)
    expected = latest if expected is None else expected
    if request.form.get("action") == "save":
        try:
            row = editor.save(base, request.form, expected, actor(), request.form.get("comment", ""))
        except ServiceError as exc:
            draft = exc.details.get("draft") or editor.read_form(request.form, base, latest + 1)
            return _render(base, draft.values, exc.details.get("errors") or draft.errors, expected, draft.fill,
                           exc.message, exc.status)
        flash(_("Saved as version %(v)s. Another administrator must approve it and its thresholds.",
                v=row.version), "success")
        return redirect(url_for(".blueprint", code=row.code, version=row.version))
    draft = editor.read_form(request.form, base, latest + 1)
    message = _("Correct the marked fields.") if draft.errors else ""
    return _render(base, draft.values, draft.errors, expected, draft.fill, message, 422 if draft.errors else 200)


@bp.route("/positions/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit_position():
    """A new position, or (``?code=``) a change of one: titles, group and the blueprint of its test."""
    code = (request.args.get("code") or "").strip()
    row = pos_service.get(code) if code else None
    if code and row is None:
        abort(404)
    values, errors, message, status = pos_service.values_of(row), {}, "", 200
    if request.method == "POST":
        try:
            saved = pos_service.save(row, request.form, actor(), request.form.get("comment", ""))
        except ServiceError as exc:
            values = exc.details.get("values") or values
            errors, message, status = exc.details.get("errors", {}), exc.message, exc.status
        else:
            flash(_("Position %(code)s saved.", code=saved.code), "success")
            return redirect(url_for(".blueprints"))
    return render_template("bank/edit_position.html", row=row, values=values, errors=errors, message=message,
                           groups=POSITION_GROUPS, blueprints=pos_service.blueprint_codes(), langs=pos_service.LANGS
                           ), status
