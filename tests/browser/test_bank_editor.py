"""The blueprint editor in a real browser (CSRF on): an administrator makes a new version of a
blueprint, sees the feasibility of the quotas before saving and a field error by its field, saves
it unapproved; they cannot approve it themselves; another administrator approves it."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from examserver.core import accounts
from examserver.db import db
from examserver.models import ExamBlueprint, Role
from examserver.models.bank_review import BlueprintApproval
from tests.browser.console_login import PASSWORD, login

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def test_new_blueprint_version_with_feasibility_approved_by_another_admin(app, loaded_bank, live_server, page):
    with app.app_context():
        for name in ("author", "reviewer"):
            accounts.create_user(name, PASSWORD, Role.ADMIN, name.title(), None)
        db.session.commit()
    base = live_server.url

    login(page, base, "author")
    page.goto(f"{base}/admin/bank/blueprints")
    page.click("#blueprints >> text=TEST-U-A")
    page.click("#new-version")
    page.wait_for_selector("#blueprint-form")
    # ask for more subject questions than there are approved items: the check follows the typing
    page.fill("input[name=s1_q0_count]", "40")
    page.wait_for_selector("#feasibility tr.short")
    short = page.locator("#feasibility tr.short")
    assert short.count() == 1 and "SUBJ" in short.inner_text() and "недостаточно утверждённых" in short.inner_text()
    assert page.input_value("input[name=s1_q0_count]") == "40"     # nothing reloaded under the typing
    page.fill("input[name=s1_q0_count]", "3")
    page.wait_for_selector("#feasibility tr.short", state="detached")
    # a wrong field is named where it is, and the values typed so far come back
    page.fill("input[name=s1_q0_count]", "3")
    page.fill("input[name=duration]", "45")
    page.select_option("select[name=threshold_kind]", "correct")
    page.fill("input[name=threshold_value]", "60")           # 60 correct answers of 7 questions
    page.click("#save-blueprint")
    page.wait_for_selector("#form-errors")
    assert "от 1 до 7" in page.inner_text("#error-threshold_value")
    assert page.input_value("input[name=duration]") == "45"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ExamBlueprint)) == 1
    page.select_option("select[name=threshold_kind]", "percent")
    page.click("#check-blueprint")
    assert page.locator("#feasibility tr.short").count() == 0 and page.locator("#form-errors").count() == 0
    page.fill("input[name=comment]", "Приказ № 7")
    page.click("#save-blueprint")
    page.wait_for_selector("#made-by")
    assert page.url.endswith("/admin/bank/blueprints/TEST-U-A/2")
    assert "45" in page.inner_text("main") and "60%" in page.inner_text("main")
    page.click("#approve-blueprint")
    page.wait_for_selector(".flash.error")
    assert "другой администратор" in page.inner_text(".flash.error")
    page.click("#logout")

    login(page, base, "reviewer")
    page.goto(f"{base}/admin/bank/blueprints/TEST-U-A/2")
    page.fill("#approval input[name=comment]", "Сверено")
    page.click("#approve-blueprint")
    page.wait_for_selector("#approved-by")
    assert "reviewer" in page.inner_text("#approved-by")
    with app.app_context():
        row = db.session.scalar(sa.select(ExamBlueprint).where(ExamBlueprint.version == 2))
        assert row.payload["duration_minutes"] == 45 and row.payload["threshold"] == {"percent": 60}
        assert db.session.scalar(sa.select(BlueprintApproval.approved_by)
                                 .where(BlueprintApproval.blueprint_id == row.id)) == "reviewer"
