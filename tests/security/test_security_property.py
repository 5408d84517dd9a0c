"""Property: no input gets a 5xx (invariant 13), per endpoint family, and the
running attempt's journal chain still verifies afterwards.

Hypothesis throws wrong types, huge and negative numbers, NUL and other
unicode, nested JSON, big bodies and ids that do not exist or overflow. The
app runs in testing mode, where an unhandled exception propagates out of the
test client instead of becoming a 500: any such exception fails the test too.
Example counts are bounded (``MAX_EXAMPLES``) to keep the suite fast.
"""
from __future__ import annotations

import json
import os
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examserver.db import db
from examserver.exam import journal
from examserver.models import Attempt
from tests.console.conftest import PIN1, add_participant, enrolled_terminal, make_session, start

from .helpers import kiosk_exam

# A longer hunt: EXAM_TEST_FUZZ_EXAMPLES=2000 (the suite keeps it short).
MAX_EXAMPLES = int(os.environ.get("EXAM_TEST_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])

BIG = st.integers(min_value=-(2**80), max_value=2**80)
EDGE_STRINGS = st.sampled_from([
    "", " ", "0", "-1", "1", "2147483647", "2147483648", "9223372036854775808", "9" * 40, "1e309", "NaN",
    "null", "[]", "{}", "\x00", "a\x00b", "１２", "٣", "\u202e", "\ufeff", "😀" * 10, "'; DROP TABLE x;--",
    "<script>", "../../etc/passwd", "=HYPERLINK(1)", "Ж" * 300,
])
TEXT = st.one_of(st.text(max_size=40), EDGE_STRINGS, BIG.map(str), st.text(alphabet="\x00a1-", max_size=6))
HUGE_TEXT = st.sampled_from(["x" * (1 << 20), "Ж" * 100_000])
FORM_VALUE = st.one_of(TEXT, TEXT, TEXT, HUGE_TEXT)
JSON_SCALAR = st.one_of(st.none(), st.booleans(), BIG, st.floats(), TEXT)
JSON_VALUE = st.recursive(JSON_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)), max_leaves=12)


def _chain_ok(app) -> None:
    with app.app_context():
        for attempt in db.session.query(Attempt).all():
            check = journal.verify_chain(journal.events_for(attempt))
            assert check.ok, (attempt.id, check)


def _assert_no_5xx(response, where) -> None:
    assert response.status_code < 500, (where, response.status_code, response.get_data(as_text=True)[:300])


# ---------------------------------------------------------------- kiosk API

def _event_bodies(next_seq: int):
    near = st.fixed_dictionaries({
        "seq": st.one_of(st.integers(min_value=next_seq - 2, max_value=next_seq + 2), BIG, TEXT, JSON_VALUE),
        "kind": st.one_of(st.sampled_from(["answer", "flag", "visit", "pause", "finish"]), TEXT, JSON_VALUE),
        "payload": st.one_of(JSON_VALUE, st.fixed_dictionaries({
            "slot": st.one_of(st.integers(min_value=-2, max_value=70), BIG, TEXT),
            "selected": st.one_of(st.lists(TEXT, max_size=5), JSON_VALUE),
            "input": st.one_of(st.sampled_from(["click", "key:1", "key:Enter"]), TEXT),
            "flagged": JSON_SCALAR,
        })),
        "client_time": st.one_of(TEXT, JSON_VALUE),
    })
    as_json = st.one_of(near, JSON_VALUE).map(lambda v: json.dumps(v, ensure_ascii=False))
    raw = st.one_of(st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
                    st.integers(min_value=1, max_value=50_000).map(lambda n: "[" * n + "]" * n),
                    st.integers(min_value=1, max_value=40).map(lambda n: '{"a":' * n + "1" + "}" * n),
                    HUGE_TEXT.map(lambda s: json.dumps({"seq": 1, "pad": s})))
    return st.one_of(as_json, as_json, raw)


@pytest.fixture
def kiosk_running(loaded_bank):
    client, state = kiosk_exam(loaded_bank)
    return loaded_bank, client, state


def test_kiosk_api_never_5xx(kiosk_running):
    app, client, state = kiosk_running

    @SETTINGS
    @given(body=_event_bodies(state["next_seq"]),
           content_type=st.sampled_from(["application/json", "application/json", "text/plain",
                                         "application/x-www-form-urlencoded"]),
           url=st.sampled_from(["/kiosk/api/events", "/kiosk/api/events", "/kiosk/api/finish"]),
           query=st.dictionaries(st.sampled_from(["full", "lang", "x"]), TEXT, max_size=2))
    def run(body, content_type, url, query):
        if url.endswith("finish"):
            # Never a real confirmation: the attempt must stay open for the events.
            body = body.replace("true", "false")
        response = client.post(url, data=body.encode("utf-8", "surrogatepass"), content_type=content_type,
                               query_string=query)
        _assert_no_5xx(response, (url, body[:200]))
        if 400 <= response.status_code < 500:
            assert response.is_json and response.get_json().get("message"), response.get_data(as_text=True)[:200]
        for poll in ("/kiosk/api/state", "/kiosk/api/terminal", "/kiosk/api/session"):
            _assert_no_5xx(client.get(poll, query_string=query), poll)

    run()
    _chain_ok(app)
    # The terminal still works after the storm: a well-formed answer is acknowledged.
    state = client.get("/kiosk/api/state?full=1").get_json()
    question = state["questions"][0]
    response = client.post("/kiosk/api/events", json={
        "seq": state["next_seq"], "kind": "answer", "client_time": "t",
        "payload": {"slot": question["slot"], "selected": [question["options"][0]["id"]], "input": "click"}})
    assert response.status_code == 200, response.get_json()
    _chain_ok(app)


def test_kiosk_pages_never_5xx(kiosk_running):
    app, client, _state = kiosk_running

    @SETTINGS
    @given(url=st.sampled_from(["/kiosk/code", "/kiosk/confirm", "/kiosk/instructions", "/kiosk/appeal",
                                "/kiosk/not-me"]),
           form=st.dictionaries(st.sampled_from(["code", "language", "reason", "text", "confirm", "x"]),
                                FORM_VALUE, max_size=3))
    def run(url, form):
        _assert_no_5xx(client.post(url, data=form), (url, {k: v[:50] for k, v in form.items()}))

    run()
    _chain_ok(app)


# ------------------------------------------------------------ console forms

FIELDS = ["reason", "username", "password", "full_name", "role", "centre_id", "room_id", "seats", "name", "code",
          "title", "date", "starts_at", "duration_minutes", "surname", "patronymic", "pin", "id_document",
          "position", "language", "seat", "admit", "active", "pairing_code", "participant_id", "attempt_id",
          "terminal_id", "minutes", "action", "blueprint_codes", "name_ky", "name_ru", "address", "x"]
SKIP = ("admin.auth.", "admin.static")


@pytest.fixture
def console_world(loaded_bank, sworld):
    """Admin logged in; a session with a participant whose attempt runs on a terminal."""
    with loaded_bank.app_context():
        sid = make_session(sworld.room_a)
        pid = add_participant(sid, PIN1)
        tid = enrolled_terminal(sworld.room_a)
        start(pid, tid)
    return loaded_bank, {"session_id": sid, "participant_id": pid, "terminal_id": tid}


def _console_rules(app, methods):
    return sorted((r for r in app.url_map.iter_rules()
                   if r.endpoint.startswith("admin.") and not r.endpoint.startswith(SKIP)
                   and r.methods & methods), key=lambda r: r.rule)


@pytest.mark.parametrize("who", ["admin", "proctor_a"])
def test_console_forms_never_5xx(console_world, client, console_login, who):
    app, ids = console_world
    console_login(who)
    posts = _console_rules(app, {"POST"})
    gets = _console_rules(app, {"GET"})
    id_values = st.one_of(st.sampled_from(sorted(set(ids.values()))), st.integers(min_value=0, max_value=2**70))

    @SETTINGS
    @given(rule=st.sampled_from(posts + gets), data=st.data())
    def run(rule, data):
        url = re.sub(r"<(?:int:)?(\w+)>", lambda m: str(data.draw(id_values) if "int:" in m.group(0)
                                                        else data.draw(TEXT.filter(lambda t: "/" not in t))),
                     rule.rule)
        if "POST" in rule.methods and data.draw(st.booleans()):
            if rule.endpoint == "admin.room.action":
                body = data.draw(st.one_of(JSON_VALUE, st.fixed_dictionaries({
                    "action": st.sampled_from(["extend", "pause", "resume", "move", "no_show", "close", "x"]),
                    "attempt_id": st.one_of(st.just(1), BIG, TEXT), "terminal_id": st.one_of(BIG, TEXT),
                    "participant_id": st.one_of(BIG, TEXT), "minutes": st.one_of(BIG, TEXT, st.floats()),
                    "reason": TEXT})))
                response = client.post(url, data=json.dumps(body), content_type="application/json")
            else:
                form = data.draw(st.dictionaries(st.sampled_from(FIELDS), FORM_VALUE, max_size=6))
                if data.draw(st.booleans()):
                    form["file"] = (__import__("io").BytesIO(data.draw(st.binary(max_size=400))), "list.csv")
                response = client.post(url, data=form, content_type="multipart/form-data")
        else:
            query = data.draw(st.dictionaries(st.sampled_from(FIELDS + ["page", "q", "lang"]), TEXT, max_size=3))
            response = client.get(url, query_string=query)
        _assert_no_5xx(response, (rule.endpoint, url))
        assert client.get("/admin/").status_code == 200  # still logged in

    run()
    _chain_ok(app)


# --------------------------------------------------------------------- auth

def test_login_never_5xx(client, sworld):
    app = client.application

    @SETTINGS
    @given(form=st.dictionaries(st.sampled_from(["username", "password", "csrf_token", "next", "x"]), FORM_VALUE,
                                max_size=4),
           query=st.dictionaries(st.sampled_from(["next", "lang"]), TEXT, max_size=2),
           content_type=st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data"]))
    def run(form, query, content_type):
        response = client.post("/admin/auth/login", data=form, query_string=query, content_type=content_type)
        _assert_no_5xx(response, {k: v[:40] for k, v in form.items()})
        assert response.status_code != 302 or form.get("username") in ("admin",)
        _assert_no_5xx(client.get("/admin/auth/login", query_string=query), query)

    run()
    _chain_ok(app)
