"""List, view and re-print signed protocols; the stored record is never changed."""
from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, url_for
from flask_login import current_user

from examserver.db import db
from examserver.models import Attempt, Protocol, ProtocolKind, Role
from examserver.protocols import issuing as protocols
from examserver.protocols.texts import pick, when

from ..lists import paginate
from ..security import role_required, visible_or_404
from . import bp

ROLES = (Role.ADMIN, Role.PROCTOR, Role.CHAIR, Role.MEMBER)


def _protocol(number: str) -> Protocol:
    return visible_or_404(db.session.scalar(sa.select(Protocol).where(Protocol.number == number)))


@bp.route("/")
@role_required(*ROLES)
def index():
    """Protocols of the user's centre, newest first; filter by number, session or kind."""
    number = (request.args.get("number") or "").strip()
    kind = request.args.get("kind") or ""
    session_id = request.args.get("session", type=int)
    query = sa.select(Protocol).order_by(Protocol.created_at.desc(), Protocol.id.desc())
    if current_user.role != Role.ADMIN:
        query = query.where(Protocol.centre_id == current_user.centre_id)
    if number:
        query = query.where(Protocol.number.ilike(f"%{number}%"))
    if kind in {k.value for k in ProtocolKind}:
        query = query.where(Protocol.kind == ProtocolKind(kind))
    if session_id:
        query = query.where(Protocol.session_id == session_id)
    page = paginate(query)
    rows = [(p, json.loads(p.record)) for p in page.items]
    return render_template("protocols/index.html", rows=rows, number=number, kind=kind, session_id=session_id,
                           kinds=[k.value for k in ProtocolKind], when=when, page=page)


@bp.route("/attempt/<int:attempt_id>")
@role_required(*ROLES)
def for_attempt(attempt_id: int):
    """The latest protocol of an attempt (a correction if there is one)."""
    attempt = db.session.get(Attempt, attempt_id)
    visible_or_404(attempt, attempt.session.centre_id if attempt else None)
    protocol = protocols.protocol_for_attempt(attempt)
    if protocol is None:
        abort(404)
    return redirect(url_for(".detail", number=protocol.number))


@bp.route("/<number>")
@role_required(*ROLES)
def detail(number: str):
    protocol = _protocol(number)
    record = json.loads(protocol.record)
    related = []
    if protocol.attempt_id:
        related = [p for p in db.session.scalars(sa.select(Protocol).where(
            Protocol.attempt_id == protocol.attempt_id).order_by(Protocol.id)) if p.id != protocol.id]
    return render_template("protocols/detail.html", protocol=protocol, record=record, related=related,
                           digest=protocols.record_digest(protocol), pick=pick, when=when,
                           lang=request.args.get("lang") or record.get("language") or "ru")


@bp.route("/<number>.json")
@role_required(*ROLES)
def download_json(number: str):
    protocol = _protocol(number)
    return Response(protocols.export_json(protocol), mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="protocol-{number}.json"'})


@bp.route("/<number>.pdf")
@role_required(*ROLES)
def download_pdf(number: str):
    """The signed PDF; in the record's language the first printout is kept and re-served."""
    protocol = _protocol(number)
    lang = request.args.get("lang")
    record_lang = json.loads(protocol.record).get("language")
    if lang in ("ky", "ru", "en") and lang != record_lang:
        data = protocols.render_pdf(protocol, lang)
    else:
        data = protocols.pdf_for(protocol)
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="protocol-{number}.pdf"'})

