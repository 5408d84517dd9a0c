"""Kiosk pages: pairing, code login, name check and language, instructions,
the exam shell, the result with protocol and appeal."""
from __future__ import annotations

import json

from flask import (Response, abort, current_app, flash, g, get_template_attribute, redirect, render_template, request,
                   session, url_for)
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from examserver import clock
from examserver.db import db
from examserver.models import TerminalState
from examserver.appeals import filing as appeals
from examserver.bank import drawn
from examserver.exam import attempts
from examserver.exam import saving
from examserver.core import audit
from examserver.exam import code_login
from examserver.protocols import issuing as protocols
from examserver.exam import terminals
from examserver.core.errors import ServiceError

from . import bp
from .api import timing_of
from .exam_state import full_state
from .context import (COOKIE, active_attempt, current_terminal, end_candidate_session, enrolled_login_terminal,
                      moved_away, result_attempt, set_terminal_cookie, use_language)
from .terminal_views import PAIRING_WINDOW_SECONDS, TEST_LANGUAGES, pairing_throttled


@bp.route("/")
def index():
    """Dispatch on the terminal's state: pair, locked, exam, result or code entry."""
    terminal = current_terminal()
    if terminal is None or terminal.state == TerminalState.REVOKED:
        if pairing_throttled():
            return render_template("kiosk/throttled.html", minutes=PAIRING_WINDOW_SECONDS // 60), 429
        terminal, secret = terminals.register_pending(request.headers.get("User-Agent", ""))
        audit.record("terminal.pairing", terminal, actor=audit.Actor.for_terminal(terminal))
        # The page keeps a durable copy of the secret (see restore_terminal).
        response = Response(render_template("kiosk/pairing.html", terminal=terminal, secret=secret))
        return set_terminal_cookie(response, secret)
    terminal.last_seen_at = clock.now()
    if terminal.state == TerminalState.PENDING:
        return render_template("kiosk/pairing.html", terminal=terminal)
    if terminal.state == TerminalState.LOCKED:
        return render_template("kiosk/locked.html", terminal=terminal)
    if active_attempt() is not None:
        return redirect(url_for("kiosk.exam"))
    if result_attempt() is not None:
        return redirect(url_for("kiosk.result"))
    return render_template("kiosk/login.html", terminal=terminal)


# The start storm (issue 15, B1): every page from the code to the exam reads in a
# snapshot (``db.read_only``: on SQLite no wait for the write gate, rendering
# included); only the code login's audit entry and the start itself write.


@bp.route("/code", methods=["POST"])
@db.read_only
def code():
    """Check the access code typed by the candidate."""
    try:
        terminal = enrolled_login_terminal()
        login = code_login.login(terminal, request.form.get("code", "")[:64])
    except ServiceError as exc:  # failure counts, lock and audit are kept (keep=True refusals)
        flash(exc.message, "error")
        return redirect(url_for("kiosk.index"), 303)
    language = session.get("lang")
    end_candidate_session()  # a new candidate: nothing of an earlier one stays in this session
    if language in TEST_LANGUAGES:
        session["lang"] = language
    # The code itself is remembered: the start checks that this very code still works (invariant 12).
    session["kiosk_login"] = {"terminal": login.terminal_id, "participant": login.participant_id, "code": login.code_id}
    if login.started:
        return redirect(url_for("kiosk.exam"), 303)
    return redirect(url_for("kiosk.confirm"), 303)


def _pending(for_start: bool = False) -> code_login.Pending | None:
    """The candidate who typed a valid code here and has not started yet, with the
    terminal, the position and the latest blueprint: one query of plain values
    (``for_start``: the terminal and the participant as ORM objects, locked for
    the start instead)."""
    data = session.get("kiosk_login") or {}
    found = code_login.pending(request.cookies.get(COOKIE), data.get("terminal"), data.get("participant"),
                               for_start=for_start)
    if found is not None:
        if for_start:
            g.terminal = found.terminal
        g.actor = audit.Actor.for_terminal(found.terminal)
    return found


def _languages(pending: code_login.Pending) -> list[str]:
    offered = pending.blueprint.languages if pending.blueprint else ()
    return [lang for lang in TEST_LANGUAGES if lang in offered]


@bp.route("/confirm", methods=["GET", "POST"])
@db.read_only
def confirm():
    """Show the candidate's name and position; choose the test language.

    The choice itself reads nothing: it is kept in the kiosk's session, and
    the instructions page (which reads the candidate and the blueprint
    anyway) sends back here a language the test does not offer; the start
    checks it again."""
    if request.method == "POST":
        language = request.form.get("language", "")
        if not session.get("kiosk_login"):
            return redirect(url_for("kiosk.index"), 303)
        if language not in TEST_LANGUAGES:
            flash(_("Choose the language of the test."), "error")
            return redirect(url_for("kiosk.confirm"), 303)
        session["kiosk_login"] = dict(session["kiosk_login"], language=language)
        session["lang"] = language
        return redirect(url_for("kiosk.instructions"), 303)
    pending = _pending()
    if pending is None:
        return redirect(url_for("kiosk.index"))
    if pending.blueprint is None:
        return _no_test(pending)
    return render_template("kiosk/confirm.html", participant=pending.participant, languages=_languages(pending))


def _no_test(pending: code_login.Pending):
    """No approved version of the candidate's test (bank/drawn): say which, back to the code screen."""
    flash(drawn.start_message(pending.participant.position.blueprint_code), "error")
    return redirect(url_for("kiosk.index"), 303)


@bp.route("/not-me", methods=["POST"])
def not_me():
    """The name shown is not the candidate's: back to code entry."""
    session.pop("kiosk_login", None)
    flash(_("Please call the proctor if the name shown was not yours."), "info")
    return redirect(url_for("kiosk.index"), 303)


@bp.route("/instructions", methods=["GET", "POST"])
@db.read_only
def instructions():
    """Rules of the test in the chosen language; the start button starts the clock."""
    starting = request.method == "POST"
    if starting:
        db.begin_write()  # the start: a write transaction from its first query (gates under locks)
    pending = _pending(for_start=starting)
    language = (session.get("kiosk_login") or {}).get("language")
    if pending is None or language is None:
        return redirect(url_for("kiosk.index"))
    use_language(language)
    if starting:
        try:
            # Enrolled, in the session's room, free: checked by the start under the locks.
            started = attempts.start_attempt(pending.participant, pending.terminal, language, locked=True,
                                             code_id=(session.get("kiosk_login") or {}).get("code", 0))
        except ServiceError as exc:
            flash(exc.message, "error")
            return redirect(url_for("kiosk.index"), 303)
        session.pop("kiosk_login", None)  # done with: the exam page then leaves the session as it is
        session["kiosk_attempt"] = started.id  # this browser session runs it (see result_attempt)
        return redirect(url_for("kiosk.exam"), 303)
    outline = pending.blueprint
    if outline is None:
        return _no_test(pending)
    if language not in _languages(pending):
        flash(_("Choose the language of the test."), "error")
        return redirect(url_for("kiosk.confirm"), 303)
    return render_template("kiosk/instructions.html", participant=pending.participant,
                           minutes=outline.duration_minutes, questions=outline.question_count)


@bp.route("/exam")
@db.read_only
def exam():
    """The exam shell, carrying the exam's full state as ``/kiosk/api/state?full=1``
    would answer it (a JSON script block, never executed): kiosk.js draws question 1
    without asking again (issue 15, B1: one request fewer per terminal at a hall's
    start); a retry asks the state endpoint. Never cached (no-store, as every page)."""
    # The running attempt as the snapshot sees it: one Core query; its frozen form is
    # read once per worker and attempt (``saving.Snapshot.form``).
    attempt = saving.snapshot(request.cookies.get(COOKIE))
    now = clock.now()
    if attempt is not None and attempts.deadline_passed(attempt, now):
        db.begin_write()  # finishing it writes: a journal writer holds the lock
        attempt = active_attempt(lock=True)
        if attempt is not None and attempts.finish_if_expired(attempt):
            session["kiosk_result"] = attempt.id
            return redirect(url_for("kiosk.result"))
    if attempt is None:
        if result_attempt() is not None:
            return redirect(url_for("kiosk.result"))
        return redirect(url_for("kiosk.index"))
    use_language(attempt.language)
    # This browser session runs this attempt: it may show its result later (and only it may).
    # Changed only when it differs: an unchanged session is not signed and sent again.
    if "kiosk_login" in session:
        session.pop("kiosk_login")
    if session.get("kiosk_attempt") != attempt.id:
        session["kiosk_attempt"] = attempt.id
    state = dict(timing_of(attempt, now, current_app.config), **full_state(attempt))
    return render_template("kiosk/exam.html", attempt=attempt, state=_script_json(state),
                           chrome=_exam_chrome(attempt.language))


def _script_json(value) -> Markup:
    """``value`` as JSON for a ``<script type="application/json">`` block: UTF-8 text
    as is (the questions are Kyrgyz or Russian: ``\\uXXXX`` escapes made the exam page
    2.5 times as large), and ``< > & '`` escaped as ``tojson`` does, so no text can
    close the block."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
                  .replace("'", "\\u0027"))


_CHROME: dict[tuple[str, str], dict] = {}


def _exam_chrome(language: str) -> dict:
    """The exam page's controls and texts in the page's locale (``kiosk/_exam_chrome.html``;
    ``language``: the test's, for the answer labels): the same for every candidate, so
    rendered once per process, locale and language (the catalogues are loaded once and
    never change while the process runs)."""
    key = (str(get_locale()), language)
    found = _CHROME.get(key)
    if found is None:
        macro = "kiosk/_exam_chrome.html"
        found = {"bar": get_template_attribute(macro, "bar")(), "body": get_template_attribute(macro, "body")(),
                 "texts": get_template_attribute(macro, "texts")(language)}
        _CHROME[key] = found
    return found


@bp.route("/result")
def result():
    """Score per section and in total, threshold, verdict, protocol, appeal."""
    attempt = result_attempt()
    if attempt is None:
        moved = moved_away()
        if moved is not None:
            flash(_("The proctor moved your test to the terminal at seat %(seat)s: please continue there.",
                    seat=moved.terminal.seat if moved.terminal else "—"), "warning")
        return redirect(url_for("kiosk.index"))
    protocol = protocols.protocol_for_attempt(attempt)
    appeal = appeals.appeal_for_attempt(attempt)
    deadline = appeals.appeal_deadline(attempt)
    can_appeal = appeals.can_file(attempt)
    titles = {s["code"]: s.get("title", {}) for s in attempt.blueprint.payload.get("sections", [])}
    return render_template("kiosk/result.html", attempt=attempt, score=attempt.score, protocol=protocol,
                           appeal=appeal, appeal_deadline=clock.to_local(deadline), can_appeal=can_appeal,
                           titles=titles)


@bp.route("/appeal", methods=["POST"])
def appeal():
    """File a technical appeal from the result screen."""
    attempt = result_attempt()
    if attempt is None:
        abort(404)
    statement = request.form.get("statement", "").strip() or _("I disagree with the test result.")
    try:
        filed = appeals.file_appeal(attempt, statement, "kiosk", audit.Actor.for_terminal(current_terminal()))
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for("kiosk.result"), 303)
    flash(_("Your appeal %(number)s is filed. The technical commission will review it in your presence.",
            number=filed.number), "info")
    return redirect(url_for("kiosk.result"), 303)


@bp.route("/protocol.pdf")
def protocol_pdf():
    """The candidate's testing protocol, to print."""
    attempt = result_attempt()
    protocol = protocols.protocol_for_attempt(attempt) if attempt else None
    if protocol is None:
        abort(404)
    pdf = protocols.render_pdf(protocol, attempt.language)
    # The result page prints it from a hidden frame of its own (the candidate never leaves the kiosk).
    return Response(pdf, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{protocol.number}.pdf"',
                             "X-Frame-Options": "SAMEORIGIN",
                             "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                                        "script-src 'self'; frame-ancestors 'self'; base-uri 'none'"})


@bp.route("/done", methods=["POST"])
def done():
    """Leave the result screen: the candidate's browser session ends here, so the
    next person at this terminal sees nothing of them (result, protocol, appeal)."""
    end_candidate_session()
    return redirect(url_for("kiosk.index"), 303)
