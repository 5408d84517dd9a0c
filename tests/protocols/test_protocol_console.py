"""The console pages: protocol list, detail, downloads, and the verify upload page."""
from __future__ import annotations

import io
import json

import pytest

from examserver.db import db
from examserver.models import Centre, Role
from examserver.core import accounts
from examserver.protocols import issuing as protocols

PASSWORD = "correct horse battery"


@pytest.fixture
def issued(world, finished_attempt, ctx):
    """A testing protocol of centre BISH; accounts proctor_bish, member_bish, proctor_other, admin."""
    proto = protocols.create_testing_protocol(finished_attempt)
    other = Centre(code="OSH", name={"ru": "Ош"}, address="Ош")
    db.session.add(other)
    db.session.flush()
    for username, role, centre in [("proctor_bish", Role.PROCTOR, world["centre"]),
                                   ("member_bish", Role.MEMBER, world["centre"]),
                                   ("proctor_other", Role.PROCTOR, other), ("admin", Role.ADMIN, None)]:
        accounts.create_user(username, PASSWORD, role, username, centre)
    ctx.commit()
    return proto.number


def _login(client, username):
    response = client.post("/admin/auth/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302


def test_list_view_and_downloads(client, issued):
    _login(client, "proctor_bish")
    page = client.get("/admin/protocols/").get_data(as_text=True)
    assert issued in page and "Үсөнбаева Айгүл Жеңишбековна" in page
    detail = client.get(f"/admin/protocols/{issued}")
    assert detail.status_code == 200 and "5 / 7" in detail.get_data(as_text=True)
    exported = client.get(f"/admin/protocols/{issued}.json")
    assert json.loads(exported.data)["number"] == issued
    first = client.get(f"/admin/protocols/{issued}.pdf")
    assert first.mimetype == "application/pdf" and first.data.startswith(b"%PDF")
    # The stored printout is re-served unchanged.
    assert client.get(f"/admin/protocols/{issued}.pdf").data == first.data
    russian = client.get(f"/admin/protocols/{issued}.pdf?lang=ru")
    assert russian.status_code == 200 and russian.data != first.data


def test_other_centres_protocols_are_hidden(client, issued):
    _login(client, "proctor_other")
    assert issued not in client.get("/admin/protocols/").get_data(as_text=True)
    assert client.get(f"/admin/protocols/{issued}").status_code == 404
    assert client.get(f"/admin/protocols/{issued}.pdf").status_code == 404


def test_anonymous_is_sent_to_login(client, issued):
    assert client.get("/admin/protocols/").status_code == 302
    assert client.get("/admin/verify/").status_code == 302


def test_verify_page_accepts_genuine_and_rejects_altered(client, issued):
    _login(client, "member_bish")
    raw = client.get(f"/admin/protocols/{issued}.json").data
    response = client.post("/admin/verify/", data={"file": (io.BytesIO(raw), "p.json")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-ok="1"' in page
    pdf = client.get(f"/admin/protocols/{issued}.pdf").data
    page = client.post("/admin/verify/", data={"file": (io.BytesIO(pdf), "p.pdf")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-ok="1"' in page
    altered = raw.replace(b"\\\"total_points\\\":5", b"\\\"total_points\\\":6")
    assert altered != raw
    page = client.post("/admin/verify/", data={"file": (io.BytesIO(altered), "p.json")},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert 'data-ok="0"' in page
    empty = client.post("/admin/verify/", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400


def test_verify_page_tells_the_commission_in_words(client, issued):
    """The checks and what a failure means are in the reader's language, not the verifier's codes."""
    import re

    from flask_babel import refresh

    from admin.verify.wording import CHECKS

    _login(client, "member_bish")
    raw = client.get(f"/admin/protocols/{issued}.json").data
    altered = raw.replace(b"\\\"total_points\\\":5", b"\\\"total_points\\\":6")
    pdf = client.get(f"/admin/protocols/{issued}.pdf").data
    for lang, meaning in (("ru", "Файл изменён после подписания"), ("ky", "Файл кол коюлгандан кийин өзгөртүлгөн")):
        refresh()  # the ``issued`` fixture keeps one app context open, and Flask-Babel caches the locale on it
        page = client.post(f"/admin/verify/?lang={lang}", data={"file": (io.BytesIO(altered), "p.json")},
                           content_type="multipart/form-data").get_data(as_text=True)
        assert meaning in page
        refresh()
        good = client.post(f"/admin/verify/?lang={lang}", data={"file": (io.BytesIO(pdf), "p.pdf")},
                           content_type="multipart/form-data").get_data(as_text=True)
        cells = re.findall(r'<tr class="(?:ok|fail)"><td>([^<]*)</td>', page + good)
        assert cells, "no checks shown"
        codes = set(CHECKS) | {"printed"}
        assert not [c for c in cells if any(c.startswith(code) for code in codes)], cells
