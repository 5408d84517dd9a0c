"""Every console page, every role, in Kyrgyz and Russian: no English left.

A populated world (sessions open and closed, participants in every admission
state, terminals enrolled and locked, a finished test with extra time, testing
and session protocols, an appeal, a commission, a competition) is built through
the services; then every GET route of ``app.url_map`` under /admin is opened
by every role that may open it, in ky, ru and en. A text node of a ky/ru page
that also appears on the English page and still holds a Latin word is
untranslated, unless it is a proper name or a code (ALLOWED). Every PDF the
console serves is checked the same way (pdftotext), and CSV headers too.

``build_world`` is shared with the accessibility browser test.
"""
from __future__ import annotations

import re
import subprocess
import warnings
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from examserver.db import db
from examserver.models import Attempt, Centre, ExamSession, Participant, Position, Protocol, Room, Terminal, User

from .conftest import PASSWORD, make_world

# Proper names and codes that are Latin in every language: usernames of the
# world, language names in the switcher, file kinds, protocol and blueprint
# codes (all capitals/digits), hashes.
ALLOWED_WORDS = {"English", "PDF", "CSV", "JSON", "UTC", "SHA", "PAdES", "QR", "admin", "proctor_a", "proctor_b",
                 "chair_a", "member_a", "Ed25519", "ID"}
CODE = re.compile(r"^[A-Z0-9][A-Z0-9_.:/-]*$|^v[0-9]+$|^[0-9a-f]{6,}…?$|^[A-Za-z0-9+/=]{40,}$")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.'-]*")
# Pages whose owners were told of English left on them (see the report of issue
# 13); their findings are shown as warnings, not failures, until fixed. Remove
# an entry once its page is clean.
OTHERS_PENDING = {
    "/admin/bank/": "question bank pages: language codes 'ky'/'ru', the 'cli' author, section codes in the "
                    "statistics PDF (INPUT & BANK)",
}
ROLES = (None, "admin", "proctor_a", "chair_a", "member_a")  # None: not logged in (the login page)
# Routes this world does not reach, and why (each needs a signed decision first).
NOT_REACHED = {
    "/admin/protocols/attempt/": "redirects to the protocol page, which is checked",
    "/admin/appeals/1/protocol.pdf": "the appeal protocol exists once the commission has signed",
    "/admin/competitions/1/protocol.pdf": "the competition protocol exists once the competition is decided",
    "/admin/competitions/1/letters": "letters exist once the competition is decided",
}


@dataclass
class UxWorld:
    """Ids of the populated world (safe across requests) and the URL values of its objects."""

    users: dict[str, int]
    values: dict[str, object] = field(default_factory=dict)


def build_world() -> UxWorld:
    """Everything a console page can show, made through the services (inside an app context, bank loaded)."""
    from examserver import clock
    from examserver.appeals import commissions, filing
    from examserver.core.audit import Actor
    from examserver.exam import attempts, codes, terminals, timer
    from examserver.models import FinishReason
    from examserver.registration import participants as registration
    from examserver.registration import sessions

    base = make_world()
    centre = db.session.get(Centre, base.centre_a)
    room = db.session.get(Room, base.room_a)
    proctor = db.session.get(User, base.users["proctor_a"])
    actor = Actor.for_user(proctor)
    for uid in base.users.values():  # Cyrillic full names: only real English is Latin on a page
        user = db.session.get(User, uid)
        user.full_name = {"admin": "Админ Админов", "proctor_a": "Токтогулов Бакыт", "proctor_b": "Осмонов Эркин",
                          "chair_a": "Садыкова Айнура", "member_a": "Жумабеков Нурлан"}[user.username]

    def person(session, pin, surname, admit=True, seat="1"):
        p = registration.register_participant(session, {
            "surname": surname, "name": "Үмүт", "patronymic": "Бекович", "pin": pin, "id_document": "ID" + pin[-6:],
            "position": "TEST-POS-1", "language": "ky", "seat": seat}, actor)
        if admit is not None:
            registration.set_admission(p, admit, "" if admit else "Документтер толук эмес", actor)
        return p

    open_s = sessions.create_session(room, "Эртең мененки конкурс", date(2026, 11, 23), clock.now(), 60, actor)
    sessions.open_session(open_s, actor)
    t1, _s = terminals.register_pending("pytest")
    terminals.enrol(t1.pairing_code, room, "1", actor)
    t2, _s = terminals.register_pending("pytest")
    terminals.enrol(t2.pairing_code, room, "2", actor)
    t3, _s = terminals.register_pending("pytest")
    terminals.enrol(t3.pairing_code, room, "3", actor)
    terminals.lock(t3)
    terminals.register_pending("pytest")  # a pending one
    p1 = person(open_s, "21505198512345", "Асанова", seat="1")
    codes.issue_code(p1, actor)
    p2 = person(open_s, "10102200000017", "Өмүрбеков", seat="2")
    codes.issue_code(p2, actor)
    person(open_s, "22311200155555", "Кадыров", admit=False, seat="3")
    person(open_s, "20101199000123", "Бекова", admit=None, seat="4")
    person(open_s, "21505198512348", "Күтүүчү", seat="7")  # admitted, no code yet
    finished = attempts.start_attempt(p1, t1, "ky")
    timer.extend(finished, 5, "Жарык өчтү", actor)
    attempts.finish_attempt(finished, FinishReason.SUBMITTED)
    running = attempts.start_attempt(p2, t2, "ru")
    timer.pause(running, "Талапкерге дарыгер керек", actor)

    closed_s = sessions.create_session(room, "Кечки конкурс", date(2026, 11, 23), clock.now(), 60, actor)
    sessions.open_session(closed_s, actor)
    p4 = person(closed_s, "21505198512346", "Сыдыкова", seat="5")
    t4, _s = terminals.register_pending("pytest")
    terminals.enrol(t4.pairing_code, room, "5", actor)
    a4 = attempts.start_attempt(p4, t4, "ru")
    attempts.finish_attempt(a4, FinishReason.SUBMITTED)
    person(closed_s, "21505198512347", "Жокова", seat="6")
    sessions.close_session(closed_s, actor, "Убакыт бүттү")

    chair = db.session.get(User, base.users["chair_a"])
    member = db.session.get(User, base.users["member_a"])
    commissions.create_commission(centre, "Техникалык комиссия", chair, [member], actor)
    appeal = filing.file_appeal(finished, "Жоопторум сакталган жок", "proctor", actor)

    values: dict[str, object] = {
        "session_id": open_s.id, "participant_id": p1.id, "attempt_id": finished.id, "appeal_id": appeal.id,
        "terminal_id": t1.id,
    }
    # The question bank pages: the blueprint and the first question of the finished test.
    slot = attempts.form_of(finished).slots[0]
    values.update(code=finished.blueprint.code, version=int(finished.blueprint.version), item_id=slot.item_id,
                  lang="ky", kind="distribution")
    testing = db.session.scalar(sa.select(Protocol).where(Protocol.attempt_id == finished.id))
    session_proto = db.session.scalar(sa.select(Protocol).where(Protocol.session_id == closed_s.id,
                                                                Protocol.attempt_id.is_(None)))
    values["number"] = testing.number
    values["protocols"] = [testing.number, session_proto.number]
    try:  # competitions are another feature; pages of it are covered when it is installed
        from examserver.competitions import announce

        position = db.session.scalar(sa.select(Position).where(Position.code == "TEST-POS-1"))
        comp = announce.announce(centre, position, "K-2026-1", "Бөлүм башчысынын орун басары", "education",
                                 date(2026, 11, 20), date(2026, 11, 23), actor)
        announce.link_session(comp, open_s, actor, "")
        values["competition_id"] = comp.id
    except ImportError:
        pass
    db.session.commit()
    return UxWorld(base.users, values)


class _Text(HTMLParser):
    """Text nodes and the human-read attributes (placeholder, title, aria-label, alt, value of buttons)."""

    # The raw signed record (<pre>) and digests (<code>) are data, not text.
    SKIP = {"script", "style", "pre", "code"}

    def __init__(self):
        super().__init__()
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        for name, value in attrs:
            if name in ("placeholder", "aria-label", "alt", "title") and value:
                self.nodes.append(value.strip())

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.nodes.append(" ".join(data.split()))


def text_nodes(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def latin_words(text: str) -> list[str]:
    """Latin words of ``text`` that are neither allowed names nor codes."""
    return [w for w in LATIN_WORD.findall(text)
            if w.strip(".'-") not in ALLOWED_WORDS and not CODE.match(w.strip(".")) and len(w.strip(".'-")) > 1]


def suspicious(translated: list[str], english: list[str]) -> list[str]:
    """Text nodes of the translated page that are the English page's and hold Latin words."""
    same = set(english)
    return sorted({node for node in translated if node in same and latin_words(node)})


def admin_get_routes(app) -> list:
    return sorted((r for r in app.url_map.iter_rules() if "GET" in r.methods and r.rule.startswith("/admin/")
                   and r.endpoint != "admin.static"), key=lambda r: r.rule)


def urls_for(app, world: UxWorld) -> list[str]:
    """One URL per console GET route (protocol routes: every protocol kind)."""
    urls = []
    missing = []
    for rule in admin_get_routes(app):
        args = {}
        for name in rule.arguments:
            if name not in world.values:
                missing.append(f"{rule.rule}: {name}")
            args[name] = world.values.get(name)
        if any(v is None for v in args.values()):
            continue
        if "number" in rule.arguments:
            for number in world.values["protocols"]:
                urls.append(rule.build(dict(args, number=number))[1])
        else:
            urls.append(rule.build(args)[1])
    assert not missing, "give the world a value for: " + ", ".join(missing)
    return urls


def _pdftotext(data: bytes, tmp_path) -> str:
    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    text = subprocess.run(["/usr/bin/pdftotext", str(path), "-"], check=True, capture_output=True).stdout
    return text.decode("utf-8")


@pytest.fixture
def ux_world(app, loaded_bank) -> UxWorld:
    with app.app_context():
        return build_world()


def _login(client, username):
    client.post("/admin/auth/logout")
    if username is None:
        return
    response = client.post("/admin/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, username


def test_every_console_page_and_file_is_translated(app, client, ux_world, tmp_path):
    urls = urls_for(app, ux_world)
    problems: dict[str, list[str]] = {}
    seen_ok = set()
    for role in ROLES:
        _login(client, role)
        for url in urls:
            pages = {}
            for lang in ("en", "ky", "ru"):
                response = client.get(url + ("&" if "?" in url else "?") + f"lang={lang}")
                assert response.status_code < 500, (role, url, response.status_code)
                if response.status_code != 200:
                    break
                pages[lang] = response
            if len(pages) < 3:
                continue
            seen_ok.add(url)
            kind = pages["en"].mimetype
            if kind == "text/html":
                texts = {lang: text_nodes(r.get_data(as_text=True)) for lang, r in pages.items()}
            elif kind == "application/pdf":
                texts = {lang: [" ".join(line.split()) for line in _pdftotext(r.data, tmp_path).splitlines()
                                if line.strip()] for lang, r in pages.items()}
            elif kind == "text/csv":
                texts = {lang: [r.get_data(as_text=True).lstrip("\ufeff").splitlines()[0]] for lang, r in pages.items()}
            else:
                continue  # JSON feeds of the live pages: their words come from the page's labels
            for lang in ("ky", "ru"):
                found = suspicious(texts[lang], texts["en"])
                if found:
                    problems.setdefault(f"{url} [{lang}]", found)
    unreached = [u for u in urls if u not in seen_ok and not any(u.startswith(p) for p in NOT_REACHED)]
    assert not unreached, unreached
    for key in list(problems):
        owner = next((why for prefix, why in OTHERS_PENDING.items() if key.split(" [")[0].startswith(prefix)), None)
        if owner:
            warnings.warn(f"untranslated on {key}: {problems.pop(key)} ({owner})")
    assert not problems, "untranslated text:\n" + "\n".join(f"{k}: {v}" for k, v in sorted(problems.items()))


def test_pages_behind_a_post_are_translated(app, client, ux_world, tmp_path):
    """The code shown once (issue a code) and the code slips PDF, in ky and ru."""
    _login(client, "proctor_a")
    sid, pid = ux_world.values["session_id"], ux_world.values["participant_id"]
    problems = {}
    with app.app_context():
        waiting = db.session.scalar(sa.select(Participant.id).where(Participant.session_id == sid,
                                                                    Participant.surname == "Күтүүчү"))
    texts = {}
    for lang in ("en", "ky", "ru"):
        response = client.post(f"/admin/participants/{waiting}/code?lang={lang}")
        assert response.status_code == 200, response.status_code
        texts[lang] = text_nodes(response.get_data(as_text=True))
    slips = {}
    for lang in ("en", "ky", "ru"):
        response = client.post(f"/admin/participants/session/{sid}/slips?lang={lang}", data={"which": "all"})
        assert response.mimetype == "application/pdf", response.status_code
        slips[lang] = [" ".join(line.split()) for line in _pdftotext(response.data, tmp_path).splitlines()
                       if line.strip()]
    for lang in ("ky", "ru"):
        if suspicious(texts[lang], texts["en"]):
            problems[f"code page [{lang}]"] = suspicious(texts[lang], texts["en"])
        if suspicious(slips[lang], slips["en"]):
            problems[f"slips [{lang}]"] = suspicious(slips[lang], slips["en"])
    assert pid and not problems, problems
