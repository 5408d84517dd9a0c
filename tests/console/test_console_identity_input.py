"""Identity and text input of participants (issue 14): one spelling of a ПИН,
cp1251 damage, formulas, names, lengths, field names in the reader's language,
and the same person twice on one day. Through the console, as a proctor does."""
from __future__ import annotations

import io
from datetime import date

import pytest

from examserver import clock as clock_module
from examserver.core.audit import Actor
from examserver.core.errors import ServiceError
from examserver.db import db
from examserver.models import ExamSession, Participant, Position, Room
from examserver.registration import participants as registration
from examserver.registration import sessions as session_service

from .conftest import HEADER, PIN1, PIN2, TODAY, add_participant, count, form_data



def upload(client, sid, data: bytes, lang="en"):
    return client.post(f"/admin/participants/session/{sid}/import?lang={lang}",
                       data={"file": (io.BytesIO(data), "list.csv")}, content_type="multipart/form-data")


# --- the ПИН --------------------------------------------------------------------
def test_full_width_digit_is_the_same_person(app, client, sid, login):
    """NFKC makes '１' a '1': the second spelling is a duplicate, not a new person."""
    login("proctor_a")
    assert client.post(f"/admin/participants/session/{sid}/new", data=form_data(PIN1)).status_code == 302
    twin = PIN1[:-1] + chr(0xFF10 + int(PIN1[-1]))  # last digit full-width
    response = client.post(f"/admin/participants/session/{sid}/new?lang=en", data=form_data(twin))
    assert response.status_code == 422
    assert "already registered" in response.get_data(as_text=True)
    assert count(app, sid) == 1
    # And in a CSV list, against a row of the same list.
    csv = HEADER + f"Бекова,Айгүл,,{PIN2},AN2,TEST-POS-1,ky,,1\nБекова,Айгүл,,{PIN2[:-1]}７,AN2,TEST-POS-1,ky,,2\n"
    response = upload(client, sid, csv.encode())
    assert response.status_code == 422 and "on line 2 too" in response.get_data(as_text=True)


def test_full_width_pin_is_stored_in_ascii(app, client, sid, login):
    login("proctor_a")
    wide = "".join(chr(0xFF10 + int(d)) for d in PIN1)
    assert client.post(f"/admin/participants/session/{sid}/new", data=form_data(wide)).status_code == 302
    with app.app_context():
        assert db.session.query(Participant).one().pin == PIN1


@pytest.mark.parametrize("pin", [
    PIN1[:-1] + "\u0663",          # Arabic-Indic three: a digit to \d and int(), not to us
    PIN1[:-1] + "\u09e9",          # Bengali three
    "2" + "01011899" + "12345",    # born before 1900
    "2" + "01012027" + "12345",    # born after today
])
def test_pin_refusals(pin):
    with pytest.raises(ServiceError) as info:
        registration.validate_pin(pin, today=TODAY)
    assert info.value.code == "pin"


def test_pin_born_today_and_in_1900_are_accepted():
    assert registration.validate_pin("1" + "29112026" + "00001", today=TODAY) == "12911202600001"
    assert registration.validate_pin("2" + "01011900" + "00001", today=TODAY) == "20101190000001"


# --- cp1251 and damaged text ----------------------------------------------------
def test_cp1251_list_with_lost_kyrgyz_letters_is_refused(app, client, sid, login):
    """Excel on a Russian Windows writes '?' for ң, ө, ү: refused with the line and the advice."""
    login("proctor_a")
    csv = ("Фамилия;Имя;Отчество;ПИН;Документ;Должность;Язык;Конкурс;Место\n"
           f"Асанов;Нурлан;;{PIN1};AN1;TEST-POS-1;ru;;1\n"
           f"Бекова;Г?лзат;;{PIN2};AN2;TEST-POS-1;ky;?км?тт?н конкурсу;2\n")
    response = upload(client, sid, csv.encode("cp1251"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<td>3</td><td>Name</td>' in page and '<td>3</td><td>Competition (vacancy)</td>' in page
    assert "CSV UTF-8" in page and "ң, ө, ү" in page
    assert count(app, sid) == 0


def test_replacement_character_is_refused(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + f"Асанов,Н\ufffdрлан,,{PIN1},AN1,TEST-POS-1,ky,,1\n"
    response = upload(client, sid, csv.encode())
    assert response.status_code == 422 and "U+FFFD" in response.get_data(as_text=True)
    assert count(app, sid) == 0


def test_cp1251_file_with_a_utf8_bom_says_so(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + f"Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,,1\n"
    response = upload(client, sid, b"\xef\xbb\xbf" + csv.encode("cp1251"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "BOM" in page and "Windows-1251" in page and "<td>2</td>" in page  # first bad byte on line 2
    assert count(app, sid) == 0


def test_undecodable_file_is_refused_not_guessed(app, client, sid, login):
    login("proctor_a")
    # 0x98 is unassigned in Windows-1251 and invalid UTF-8.
    response = upload(client, sid, HEADER.encode() + b"\x98\x98,B,,1,2,3,ky,,1\n")
    assert response.status_code == 422 and "neither UTF-8 nor Windows-1251" in response.get_data(as_text=True)


def test_kyrgyz_letters_in_utf8_are_accepted(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + f"Өмүрбекова,Гүлзат,Ңаановна,{PIN1},AN1,TEST-POS-1,ky,Өкмөттүн конкурсу?,1\n"
    assert upload(client, sid, csv.encode()).status_code == 302
    with app.app_context():
        assert db.session.query(Participant).one().full_name == "Өмүрбекова Гүлзат Ңаановна"


# --- formulas, names, lengths ---------------------------------------------------
@pytest.mark.parametrize("field,value,words", [
    ("surname", "=HYPERLINK(\"http://x\")", "formula"),
    ("surname", "-Асанов", "formula"),
    ("id_document", "+996555", "formula"),
    ("id_document", "@SUM(A1)", "formula"),
    ("competition", "\t=1+1", "formula"),
    ("seat", "=A1", "formula"),
    ("name", "Нурлан2", "digits"),
    ("patronymic", "Бек\u0007ович", "control character"),
    ("surname", "Асанов;DROP", "only letters"),
    ("id_document", "AN 12\"34", "document number"),
    ("surname", "А" * 101, "At most 100"),
    ("id_document", "A" * 65, "At most 64"),
    ("competition", "к" * 201, "At most 200"),
    ("seat", "1" * 17, "At most 16"),
])
def test_bad_text_is_refused_with_the_field_named(app, client, sid, login, field, value, words):
    """Refused with 422 on both backends (never a database error), naming the field."""
    login("proctor_a")
    response = client.post(f"/admin/participants/session/{sid}/new?lang=en", data=form_data(**{field: value}))
    if "At most" in words:
        # The form's own Length validator may refuse first (400): still no row, no 5xx.
        assert response.status_code in (400, 422)
    else:
        assert response.status_code == 422, response.get_data(as_text=True)
        assert words in response.get_data(as_text=True)
    assert count(app, sid) == 0
    # The same value in a CSV list: refused at its line, nothing imported.
    row = form_data(**{field: value})
    cells = [row[k] for k in registration.FIELDS]
    import csv as csvmod
    buf = io.StringIO()
    csvmod.writer(buf).writerows([list(registration.FIELDS), cells])
    response = upload(client, sid, buf.getvalue().encode())
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert words in page and f"<td>2</td><td>{registration.field_label(field)}</td>" in page
    assert count(app, sid) == 0


def test_service_refuses_over_long_values_directly(app, sid):
    """The service checks the column sizes itself (PostgreSQL would fail, SQLite would store them)."""
    with app.app_context():
        session = db.session.get(ExamSession, sid)
        with pytest.raises(registration.ImportRefused) as info:
            registration.register_participant(session, form_data(surname="Ы" * 101, seat="9" * 17), Actor.cli())
        assert {p.field for p in info.value.problems} == {"surname", "seat"}


def test_names_with_apostrophes_hyphens_and_spaces_are_fine(app, client, sid, login):
    login("proctor_a")
    data = form_data(surname="Абдыкадыр уулу", name="Анна-Мария", patronymic="Д’Артаньян")
    assert client.post(f"/admin/participants/session/{sid}/new", data=data).status_code == 302


# --- field names in the reader's language -----------------------------------------
def test_problems_name_fields_in_russian_and_kyrgyz(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + "Асанов,Нурлан,,123,AN1,TEST-POS-1,ky,,1\n"
    ru = upload(client, sid, csv.encode(), lang="ru").get_data(as_text=True)
    assert "<td>2</td><td>Персональный номер (ПИН)</td>" in ru and "<td>pin</td>" not in ru
    ky = upload(client, sid, csv.encode(), lang="ky").get_data(as_text=True)
    assert "<td>pin</td>" not in ky and "<td>Personal number (PIN)</td>" not in ky
    missing = upload(client, sid, b"surname,name\nA,B\n", lang="ru").get_data(as_text=True)
    assert "Персональный номер (ПИН)" in missing and "пин" in missing  # the label and the accepted titles


def test_multi_line_cell_is_reported_where_its_row_starts(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + f'Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,"две\nстроки",1\nБекова,Айгүл,,123,AN2,TEST-POS-1,ky,,2\n'
    page = upload(client, sid, csv.encode()).get_data(as_text=True)
    assert "<td>4</td><td>Personal number (PIN)</td>" in page  # the second row starts on line 4


def test_unclosed_quote_is_refused_at_its_row(app, client, sid, login):
    login("proctor_a")
    csv = HEADER + f"Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,,1\n" + f'Бекова,"Айгүл,,{PIN2},AN2,TEST-POS-1,ky,,2\n'
    response = upload(client, sid, csv.encode())
    assert response.status_code == 422 and "<td>3</td>" in response.get_data(as_text=True)
    assert count(app, sid) == 0


# --- the same person on the same day ------------------------------------------------
def _other_session(world, title, day=date(2026, 11, 23)) -> int:
    room = db.session.get(Room, world.room_a)
    session = session_service.create_session(room, title, day, clock_module.now(), 60, Actor.cli())
    db.session.commit()
    return session.id


def test_same_pin_same_day_same_group_is_flagged_not_refused(app, client, world, sid, login):
    with app.app_context():
        morning = _other_session(world, "Morning B")
        add_participant(morning, PIN1)
        next_day = _other_session(world, "Next day", date(2026, 11, 24))
        add_participant(next_day, PIN2)
    login("proctor_a")
    response = client.post(f"/admin/participants/session/{sid}/new?lang=en", data=form_data(PIN1),
                           follow_redirects=True)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "also registered on this day for group У-А" in page and "Morning B" in page
    assert 'id="same-day-warning"' in page and "same-day" in page
    assert count(app, sid) == 1
    # Another day: no flag.
    response = client.post(f"/admin/participants/session/{sid}/new?lang=en", data=form_data(PIN2, seat="4"),
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert f"(PIN {PIN2}) is also registered" not in page and f"(PIN {PIN1}) is also registered" not in page
    assert page.count('class="badge warning same-day"') == 1  # still PIN1's row only
    with app.app_context():
        flagged = registration.same_day_elsewhere(db.session.get(ExamSession, sid))
        assert [db.session.get(Participant, pid).pin for pid in flagged] == [PIN1]


def test_same_pin_same_day_other_group_is_not_flagged(app, client, world, sid, login):
    with app.app_context():
        db.session.add(Position(code="OTHER-K-A", title={"ky": "Башка", "ru": "Другая"}, department={"ky": "-", "ru": "-"},
                                group_code="К-А", blueprint_code="TEST-U-A", updated_at=clock_module.now()))
        db.session.commit()
        morning = _other_session(world, "Morning B")
        add_participant(morning, PIN1, position="OTHER-K-A")
    login("proctor_a")
    csv = HEADER + f"Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,,1\n"
    page = client.post(f"/admin/participants/session/{sid}/import?lang=en",
                       data={"file": (io.BytesIO(csv.encode()), "l.csv")}, content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    assert "imported" in page and "also registered on this day" not in page and 'id="same-day-warning"' not in page


def test_same_day_flag_after_a_csv_import(app, client, world, sid, login):
    with app.app_context():
        add_participant(_other_session(world, "Morning B"), PIN1)
    login("proctor_a")
    csv = HEADER + f"Асанов,Нурлан,,{PIN1},AN1,TEST-POS-1,ky,,1\n"
    page = client.post(f"/admin/participants/session/{sid}/import?lang=en",
                       data={"file": (io.BytesIO(csv.encode()), "l.csv")}, content_type="multipart/form-data",
                       follow_redirects=True).get_data(as_text=True)
    assert "1 of them are also registered on this day" in page and 'id="same-day-warning"' in page
