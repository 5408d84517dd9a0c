"""The README's configuration table lists every setting with its default
(a setting nobody can find in the docs is a setting nobody sets right)."""
from pathlib import Path

from examserver.config import SETTINGS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_in_the_readme_table():
    missing = []
    for setting in SETTINGS.values():
        default = "—" if setting.default is None else f"`{setting.default}`"
        if f"| `EXAM_{setting.name}` | {default} |" not in README:
            missing.append(f"EXAM_{setting.name} (default {default})")
    assert not missing, "README.md configuration table lacks: " + ", ".join(missing)
