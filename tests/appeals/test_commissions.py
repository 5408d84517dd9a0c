"""Technical commissions: a chair and at most five members."""
from __future__ import annotations

import pytest

from examserver.db import db
from examserver.models import Centre, ExamSession
from examserver.appeals import commissions
from examserver.core.audit import Actor
from examserver.core.errors import Conflict, ServiceError

from .conftest import MEMBERS
from .helpers import make_commission, user


def test_sixth_member_refused(aworld, ctx):
    commission = make_commission(aworld, MEMBERS[:5])
    assert len(commission.members) == 6
    with pytest.raises(Conflict) as exc:
        commissions.add_member(commission, user(aworld, MEMBERS[5]), Actor.cli())
    assert exc.value.code == "too_many_members"
    with pytest.raises(Conflict):
        make_commission(aworld, MEMBERS)


def test_commission_without_chair_refused(aworld, ctx):
    centre = db.session.get(Centre, aworld.centre)
    with pytest.raises(ServiceError) as exc:
        commissions.create_commission(centre, "Без председателя", None, [user(aworld, "member1")], Actor.cli())
    assert exc.value.code == "no_chair"
    with pytest.raises(ServiceError) as exc:
        commissions.create_commission(centre, "Член как председатель", user(aworld, "member1"), [], Actor.cli())
    assert exc.value.code == "not_chair_role"
    commission = make_commission(aworld)
    with pytest.raises(ServiceError):
        commissions.remove_member(commission, user(aworld, "chair"), Actor.cli())


def test_members_from_other_centre_or_roles_refused(aworld, ctx):
    with pytest.raises(ServiceError) as exc:
        make_commission(aworld, ["member_osh"])
    assert exc.value.code == "wrong_centre"
    with pytest.raises(ServiceError) as exc:
        make_commission(aworld, ["admin"])
    assert exc.value.code == "wrong_centre"


def test_proctor_member_is_flagged_and_session_commission_preferred(aworld, ctx):
    centre_wide = make_commission(aworld)
    session = db.session.get(ExamSession, aworld.session)
    assert commissions.commission_for_session(session).id == centre_wide.id
    # The proctor of the session sits on a session commission (their role changed to member).
    from examserver.models import Role

    proctor = user(aworld, "proctor")
    proctor.role = Role.MEMBER
    from examserver.appeals.member_keys import provision_member_key

    provision_member_key(proctor, "whatever-password")
    own = commissions.create_commission(db.session.get(Centre, aworld.centre), "Сессия комиссиясы",
                                        user(aworld, "chair"), [proctor], Actor.cli(), session=session)
    assert commissions.commission_for_session(session).id == own.id
    assert commissions.proctor_conflicts(own, session) == {proctor.id}
    assert commissions.proctor_conflicts(centre_wide, session) == set()
