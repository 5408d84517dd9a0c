"""Participants: form, PIN rules, CSV import (all-or-nothing), retake cooldown,
admission, codes, slips, and who may do it."""
from __future__ import annotations

import io

import pypdf
import pytest

from examserver import clock as clock_module
from examserver.db import db
from examserver.models import AccessCode, Admission, Attempt, Participant
from examserver.exam import codes
from examserver.registration import participants as registration
from examserver.core.errors import ServiceError

from .conftest import (HEADER, PIN1, PIN2, PIN3, TODAY, add_participant, count, enrolled_terminal, form_data,
                       make_session, start)



@pytest.mark.parametrize("pin", ["2150519851234", "31505198512345", "23102199912345", "21505198512a45", "20000200012345"])
def test_pin_validation_rejects(pin):
    with pytest.raises(ServiceError):
        registration.validate_pin(pin, today=TODAY)


def test_pin_validation_accepts_leap_day():
    assert registration.validate_pin("1 2902 2000 12345", today=TODAY) == "12902200012345"


def test_register_one_participant(app, client, sid, login):
    login("proctor_a")
    assert client.get(f"/admin/participants/session/{sid}/new").status_code == 200
    response = client.post(f"/admin/participants/session/{sid}/new", data=form_data())
    assert response.status_code == 302
    assert "Асанов" in client.get(f"/admin/sessions/{sid}").get_data(as_text=True)
    response = client.post(f"/admin/participants/session/{sid}/new", data=form_data())
    assert response.status_code == 422 and count(app, sid) == 1  # same PIN twice


def test_bad_pin_is_reported_on_the_form(app, client, sid, login):
    login("proctor_a")
    response = client.post(f"/admin/participants/session/{sid}/new?lang=en", data=form_data(pin="23102199912345"))
    assert response.status_code == 422
    assert "birth date" in response.get_data(as_text=True)
    assert count(app, sid) == 0


def test_csv_with_bad_rows_imports_nothing_and_reports_every_row(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + (
        f"Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,,1\n"        # line 2: good
        f"Бекова,Айгүл,,123,AN2,TEST-POS-1,ru,,2\n"             # line 3: bad pin
        f"Омуров,Бакыт,,{PIN2},AN3,NO-SUCH,ru,,3\n"             # line 4: bad position
        f"Сыдыкова,Нуржан,,{PIN3},,TEST-POS-1,de,,4\n"          # line 5: no document, bad language
        f"Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,,5\n"         # line 6: same person as line 2
    )
    response = client.post(f"/admin/participants/session/{sid}/import?lang=en",
                           data={"file": (io.BytesIO(csv.encode()), "list.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count('class="problem"') == 5
    # Fields are named as the reader calls them (here in English), not by their code names.
    for line, field in [(3, "Personal number (PIN)"), (4, "Position applied for"), (5, "Identity document"),
                        (5, "Language"), (6, "Personal number (PIN)")]:
        assert f"<td>{line}</td><td>{field}</td>" in page
    assert "<td>2</td>" not in page
    assert count(app, sid) == 0


def test_csv_cp1251_with_semicolons_imports(app, client, sid, login):
    login("proctor_a")
    csv = ("Фамилия;Имя;Отчество;ПИН;Документ;Должность;Язык;Конкурс;Место\n"
           f"Асанов;Нурлан;Бекович;{PIN1};AN1;TEST-POS-1;ru;Вакансия 1;1\n"
           f"Бекова;Айгуль;;{PIN2};AN2;TEST-POS-1;ky;;2\n")
    response = client.post(f"/admin/participants/session/{sid}/import",
                           data={"file": (io.BytesIO(csv.encode("cp1251")), "list.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        names = sorted(p.full_name for p in db.session.query(Participant))
        assert names == ["Асанов Нурлан Бекович", "Бекова Айгуль"]


def test_csv_utf8_kyrgyz_letters(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + f"Өмүрбеков,Үмүт,Ңаан,{PIN1},AN1,TEST-POS-1,ky,,1\n"
    response = client.post(f"/admin/participants/session/{sid}/import",
                           data={"file": (io.BytesIO(("\ufeff" + csv).encode()), "l.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Participant).one().full_name == "Өмүрбеков Үмүт Ңаан"


def test_csv_without_required_columns(app, client, sid, login):
    login("proctor_a")
    response = client.post(f"/admin/participants/session/{sid}/import",
                           data={"file": (io.BytesIO(b"surname,name\nA,B\n"), "l.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and count(app, sid) == 0


def _fail_attempt(app, world, clock, pin):
    """A finished attempt of ``pin`` with verdict does_not_meet, now."""
    with app.app_context():
        old = make_session(world.room_a, "Earlier")
        pid = add_participant(old, pin)
        attempt = db.session.get(Attempt, start(pid, enrolled_terminal(world.room_a, "9")))
        attempt.state, attempt.verdict, attempt.finished_at = "finished", "does_not_meet", clock_module.now()
        db.session.commit()


def test_retake_cooldown(app, client, world, loaded_bank, clock, login):
    _fail_attempt(app, world, clock, PIN1)
    clock.advance(days=100)
    with app.app_context():
        sid = make_session(world.room_a, "Later")
    login("proctor_a")
    response = client.post(f"/admin/participants/session/{sid}/new?lang=en", data=form_data(PIN1))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "may retake it from" in page and "2027" in page
    assert client.post(f"/admin/participants/session/{sid}/new", data=form_data(PIN2)).status_code == 302
    clock.advance(days=266)
    assert client.post(f"/admin/participants/session/{sid}/new", data=form_data(PIN1)).status_code == 302


def test_retake_cooldown_applies_to_csv_rows(app, client, world, loaded_bank, clock, login):
    _fail_attempt(app, world, clock, PIN1)
    with app.app_context():
        sid = make_session(world.room_a, "Later")
    login("proctor_a")
    csv = HEADER + f"Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,,1\n"
    response = client.post(f"/admin/participants/session/{sid}/import?lang=en",
                           data={"file": (io.BytesIO(csv.encode()), "l.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422 and "may retake" in response.get_data(as_text=True)


def test_admission_and_codes(app, client, sid, login):
    with app.app_context():
        pid = add_participant(sid, PIN1, admit=False)
    login("proctor_a")
    # Not admitted yet: no code.
    client.post(f"/admin/participants/{pid}/code")
    with app.app_context():
        assert db.session.query(AccessCode).count() == 0
    # Not admitted needs a reason.
    client.post(f"/admin/participants/{pid}/admission", data={"admitted": "0", "reason": ""})
    with app.app_context():
        assert db.session.get(Participant, pid).admission == Admission.PENDING
    client.post(f"/admin/participants/{pid}/admission", data={"admitted": "0", "reason": "no diploma"})
    with app.app_context():
        p = db.session.get(Participant, pid)
        assert p.admission == Admission.NOT_ADMITTED and p.admission_reason == "no diploma"
    client.post(f"/admin/participants/{pid}/admission", data={"admitted": "1"})
    first = client.post(f"/admin/participants/{pid}/code")
    assert first.status_code == 200
    code1 = first.get_data(as_text=True).split('id="access-code">')[1].split("<")[0]
    code2 = client.post(f"/admin/participants/{pid}/code").get_data(as_text=True).split('id="access-code">')[1].split("<")[0]
    assert code1 != code2
    with app.app_context():
        assert codes.find_participant(code1) is None  # the re-issued code invalidated the old one
        assert codes.find_participant(code2).id == pid
    # The code is not shown again on the session page.
    assert code2 not in client.get(f"/admin/sessions/{sid}").get_data(as_text=True)


def test_slips_pdf_contains_the_codes_of_admitted_participants(app, client, sid, login):
    with app.app_context():
        a = add_participant(sid, PIN1, "Асанов", "1")
        add_participant(sid, PIN2, "Бекова", "2")
        add_participant(sid, PIN3, "Омуров", "3", admit=False)
    login("proctor_a")
    response = client.post(f"/admin/participants/session/{sid}/slips", data={"which": "missing"})
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    assert "Асанов" in text and "Бекова" in text and "Омуров" not in text
    import re
    printed = re.findall(r"\b([0-9A-Z]{4}-[0-9A-Z]{4})\b", text)
    assert len(printed) == 2
    with app.app_context():
        assert codes.find_participant(printed[0]).id == a
    # Everyone has a code now: "missing" issues nothing new.
    assert client.post(f"/admin/participants/session/{sid}/slips", data={"which": "missing"}).status_code == 302
    again = client.post(f"/admin/participants/session/{sid}/slips", data={"which": "all"})
    assert again.mimetype == "application/pdf"
    with app.app_context():
        assert codes.find_participant(printed[0]) is None


def test_commission_member_cannot_register(app, client, sid, login):
    for user in ("member_a", "chair_a"):
        login(user)
        assert client.get(f"/admin/participants/session/{sid}/new").status_code == 403
        assert client.post(f"/admin/participants/session/{sid}/new", data=form_data()).status_code == 403
        client.post("/admin/auth/logout")
    assert count(app, sid) == 0


def test_proctor_of_other_centre_gets_404(app, client, sid, login):
    with app.app_context():
        pid = add_participant(sid, PIN1)
    login("proctor_b")
    assert client.post(f"/admin/participants/session/{sid}/new", data=form_data(PIN2)).status_code == 404
    assert client.post(f"/admin/participants/{pid}/code").status_code == 404
    assert client.post(f"/admin/participants/{pid}/admission", data={"admitted": "0", "reason": "x"}).status_code == 404
    assert client.post(f"/admin/participants/session/{sid}/slips").status_code == 404
    with app.app_context():
        assert db.session.query(AccessCode).count() == 0
