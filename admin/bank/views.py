"""Items (list, page, preview, edit as a new version, review steps) and blueprints."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from question_bank.items import Item, OPTION_IDS
from question_bank.present import present_item

from examserver import clock
from examserver.bank import blueprints as bp_service
from examserver.bank import catalogue, drawn, stats_cache, workflow
from examserver.core.errors import NotFound, ServiceError
from examserver.models import Role

from ..security import actor, role_required
from . import bp

PAGE_SIZE = 50
MAX_PAGE = 100_000
LETTERS = {"ky": "АБВГДЕЖЗ", "ru": "АБВГДЕЖЗ"}
FLAG_LABELS = {"too_easy": _l("too easy"), "too_hard": _l("too hard"),
               "negative_discrimination": _l("negative discrimination"),
               "low_discrimination": _l("low discrimination"), "unused_distractor": _l("a distractor nobody chose"),
               "strong_distractor": _l("a distractor that attracts strong candidates"),
               "longest_key": _l("the key is the longest option")}


def _arg(name: str, limit: int = 120) -> str:
    return (request.args.get(name) or "").strip()[:limit]


@bp.route("/")
@role_required(Role.ADMIN)
def index():
    """Items: search by id, text (either language), law/article; filter by topic, status, author."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    flt = {k: _arg(k) for k in ("q", "topic", "status", "author")}
    rows, total = catalogue.search(flt["q"], flt["topic"], flt["status"], flt["author"],
                                   limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    return render_template("bank/index.html", rows=rows, total=total, page=page, pages=pages, flt=flt,
                           topics=catalogue.topics(), authors=catalogue.authors(),
                           statuses=workflow.STATUS_LABELS)


def _row(item_id: str, version: int | None = None):
    try:
        return workflow.get_version(item_id[:64], version)
    except NotFound:
        abort(404)


@bp.route("/items/<item_id>")
@role_required(Role.ADMIN)
def item(item_id: str):
    """One item: both languages side by side, key, source, versions with diffs, history, use, statistics."""
    versions = catalogue.versions(item_id[:64])
    if not versions:
        abort(404)
    shown = request.args.get("version", type=int)
    row = next((v for v in versions if v.version == shown), versions[0])
    diffs = {new.version: catalogue.diff(old, new) for new, old in zip(versions, versions[1:])}
    usage = stats_cache.usage(row.item_id)
    # Only the blueprints that used the item: each needs all its attempts (totals), not the whole history.
    stats = [found for code in sorted({c for per in usage.values() for c in per})
             for found in stats_cache.cached(code).item(row.item_id)]
    return render_template("bank/item.html", row=row, item=Item.from_dict(row.payload), versions=versions,
                           diffs=diffs, history=workflow.history(row.item_id),
                           author=workflow.author_of(row), usage=usage, stats=stats,
                           statuses=workflow.STATUS_LABELS, actions=workflow.ACTION_LABELS,
                           comments=workflow.SYSTEM_COMMENTS, flag_labels=FLAG_LABELS, to_local=clock.to_local)


@bp.route("/items/<item_id>/<int:version>/preview/<lang>")
@role_required(Role.ADMIN)
def preview(item_id: str, version: int, lang: str):
    """The item as a candidate sees it at the terminal (no key), in one language."""
    item = Item.from_dict(_row(item_id, version).payload)
    if lang not in item.languages:
        abort(404)
    shown = present_item(item, lang, item.option_ids)
    return render_template("bank/preview.html", shown=shown, lang=lang, letters=LETTERS.get(lang, OPTION_IDS.upper()),
                           row_id=item_id, version=version)


def _fields_from_form() -> dict:
    form = request.form
    options, key = [], []
    for oid in OPTION_IDS:
        ky, ru = (form.get(f"opt_{oid}_ky") or "").strip(), (form.get(f"opt_{oid}_ru") or "").strip()
        if ky or ru:
            options.append({"id": oid, "ky": ky, "ru": ru})
            if form.get(f"key_{oid}"):
                key.append(oid)
    return {"id": (form.get("id") or "").strip().upper(), "topic": (form.get("topic") or "").strip(),
            "type": "multiple" if len(key) > 1 else "single", "source": (form.get("source") or "").strip(),
            "text": {"ky": (form.get("text_ky") or "").strip(), "ru": (form.get("text_ru") or "").strip()},
            "options": options, "key": key}


@bp.route("/items/new", methods=["GET", "POST"])
@bp.route("/items/<item_id>/edit", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def edit(item_id: str | None = None):
    """A new item, or an edit saved as a new draft version (the stored versions never change)."""
    base = _row(item_id) if item_id else None
    if request.method == "POST":
        fields = _fields_from_form()
        try:
            row = workflow.new_version(base, fields, actor(), request.form.get("comment", ""))
        except ServiceError as exc:
            flash(exc.message, "error")
            return render_template("bank/edit.html", base=base, values=fields, topics=catalogue.topics(),
                                   option_ids=OPTION_IDS), exc.status
        flash(_("Saved as version %(version)s (draft).", version=row.version), "success")
        return redirect(url_for(".item", item_id=row.item_id, version=row.version))
    values = Item.from_dict(base.payload).to_dict() if base else {}
    if values:
        values["options"] = [{"id": o["id"], **o["text"]} for o in values["options"]]
    return render_template("bank/edit.html", base=base, values=values, topics=catalogue.topics(),
                           option_ids=OPTION_IDS)


@bp.route("/items/<item_id>/<int:version>/<any(submit, 'return', approve, retire):action>", methods=["POST"])
@role_required(Role.ADMIN)
def step(item_id: str, version: int, action: str):
    """A review step on one version: send for review, return, approve (not by the author), retire."""
    row = _row(item_id, version)
    try:
        workflow.transition(row, action, actor(), request.form.get("comment", ""))
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(_("Item %(item)s version %(version)s: %(status)s.", item=row.item_id, version=row.version,
                status=workflow.STATUS_LABELS[row.status]), "success")
    return redirect(url_for(".item", item_id=row.item_id, version=row.version))


@bp.route("/blueprints")
@role_required(Role.ADMIN)
def blueprints():
    """Every blueprint version with its approval and whether it is drawn (the newest approved
    version of its code) or awaits approval, and the positions that use it."""
    rows = bp_service.all_versions()
    return render_template("bank/blueprints.html", rows=rows, approvals={r.id: bp_service.approval(r) for r in rows},
                           states=drawn.states(), positions=bp_service.positions())


@bp.route("/blueprints/import", methods=["POST"])
@role_required(Role.ADMIN)
def import_blueprints():
    """A new blueprint version (or positions) from an uploaded file, checked like the CLI import."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a file."), "error")
        return redirect(url_for(".blueprints")), 303
    try:
        summary = bp_service.import_upload(upload.read(bp_service.MAX_UPLOAD + 1), upload.filename, actor())
    except ServiceError as exc:
        rows = bp_service.all_versions()
        return render_template("bank/blueprints.html", rows=rows, approvals={r.id: bp_service.approval(r) for r in rows},
                               states=drawn.states(), positions=bp_service.positions(),
                               problems=exc.details.get("problems", [exc.message])), exc.status
    flash(_("Blueprints added: %(b)s; positions added: %(p)s, updated: %(u)s.", b=summary.blueprints_added,
            p=summary.positions_added, u=summary.positions_updated), "success")
    return redirect(url_for(".blueprints"))


@bp.route("/blueprints/<code>/<int:version>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def blueprint(code: str, version: int):
    """One blueprint version: sections, thresholds, the live feasibility check; approve its thresholds."""
    try:
        row = bp_service.get(code[:40], version)
    except NotFound:
        abort(404)
    if request.method == "POST":
        try:
            bp_service.approve(row, actor(), request.form.get("comment", ""))
        except ServiceError as exc:
            flash(exc.message, "error")
        else:
            flash(_("The blueprint and its thresholds are approved."), "success")
        return redirect(url_for(".blueprint", code=row.code, version=row.version))
    return render_template("bank/blueprint.html", row=row, approval=bp_service.approval(row),
                           state=drawn.states().get(row.id, ("awaiting", None)),
                           author=bp_service.author(row), fill=bp_service.feasibility(row), positions=bp_service.positions(row.code))
