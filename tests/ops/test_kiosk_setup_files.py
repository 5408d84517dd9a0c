"""The terminal set-up files of deploy/kiosk say what docs/kiosk-setup.md promises."""
from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_chromium_policy_locks_the_terminal_to_the_kiosk():
    policy = json.loads((ROOT / "deploy/kiosk/chromium-policy.json").read_text())
    assert policy["URLBlocklist"] == ["*"]
    assert all(url.endswith("/kiosk") or url.endswith("/kiosk/") for url in policy["URLAllowlist"])
    assert policy["DeveloperToolsAvailability"] == 2       # no devtools
    assert policy["DownloadRestrictions"] == 3             # no downloads
    assert policy["IncognitoModeAvailability"] == 1        # no incognito (the terminal cookie must persist)
    assert policy["PasswordManagerEnabled"] is False and policy["ExtensionInstallBlocklist"] == ["*"]
    doc = (ROOT / "docs/kiosk-setup.md").read_text()
    for name in ("DeveloperToolsAvailability", "DownloadRestrictions", "URLAllowlist", "chromium-policy.json"):
        assert name in doc


def test_the_service_starts_chromium_in_kiosk_mode_and_restarts_it():
    unit = (ROOT / "deploy/kiosk/examserver-kiosk.service").read_text()
    assert "--kiosk" in unit and "Restart=always" in unit and "/kiosk/" in unit
