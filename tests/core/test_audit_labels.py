"""Every action the code audits has a label in words for the audit page (a
new action without one would show its code to a ky/ru reader)."""
import ast
from pathlib import Path

from examserver.core.audit import ACTION_LABELS, OBJECT_LABELS

ROOT = Path(__file__).resolve().parents[2]


def _audited() -> tuple[set[str], set[str]]:
    actions, objects = set(), set()
    for path in [*ROOT.glob("examserver/**/*.py"), *ROOT.glob("admin/**/*.py"), *ROOT.glob("kiosk/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "record"
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "audit" and node.args):
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    actions.add(first.value)
                elif isinstance(first, ast.JoinedStr):  # f"bank.item.{action}": every workflow action
                    prefix = "".join(v.value for v in first.values if isinstance(v, ast.Constant))
                    actions.update(k for k in ACTION_LABELS if k.startswith(prefix))
                    actions.add(prefix + "created")
                if len(node.args) > 1 and isinstance(node.args[1], ast.Tuple) and node.args[1].elts \
                        and isinstance(node.args[1].elts[0], ast.Constant):
                    objects.add(node.args[1].elts[0].value)
    return actions, objects


def test_every_audited_action_and_object_has_words():
    actions, objects = _audited()
    assert not sorted(actions - set(ACTION_LABELS)), sorted(actions - set(ACTION_LABELS))
    assert not sorted(objects - set(OBJECT_LABELS)), sorted(objects - set(OBJECT_LABELS))
