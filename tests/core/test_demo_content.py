"""The demo bank shipped in question_bank/samples: complete, valid, big enough."""
from collections import Counter

from question_bank.blueprint_files import load_blueprints, load_positions
from question_bank.formats import load_bank

from examserver.demo import DEMO_BANK, DEMO_BLUEPRINTS

GROUPS = {"Ж-А", "Ж-Б", "Б-А", "Б-Б", "У-А", "У-Б", "К-А", "К-Б"}


def test_demo_bank_is_valid_bilingual_and_marked_demo():
    bank = load_bank(DEMO_BANK)
    assert bank.meta.demo is True
    approved = [i for i in bank.items if i.status == "approved"]
    assert len(approved) >= 300
    assert all({"ky", "ru"} <= set(i.text) for i in approved)


def test_every_demo_blueprint_can_be_filled_twice_over():
    bank = load_bank(DEMO_BANK)
    available = Counter(i.topic for i in bank.items if i.status == "approved")
    blueprints = load_blueprints(DEMO_BLUEPRINTS / "blueprints.yaml")
    assert blueprints
    for bp in blueprints:
        demand = Counter()
        for section in bp.sections:
            for quota in section.quotas:
                demand[quota.topic] += quota.count
        for topic, count in demand.items():
            assert available[topic] >= 2 * count, f"{bp.code}: {topic} has {available[topic]}, needs {2 * count}"


def test_demo_positions_cover_all_groups_and_departments():
    positions = load_positions(DEMO_BLUEPRINTS / "positions.yaml")
    assert {p.group for p in positions} == GROUPS
    assert len({p.department["ru"] for p in positions}) >= 4
    codes = {bp.code for bp in load_blueprints(DEMO_BLUEPRINTS / "blueprints.yaml")}
    assert {p.blueprint for p in positions} <= codes
