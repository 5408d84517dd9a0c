"""Fixtures for the question_bank tests: files are built in tmp_path, never from samples."""
from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

# The library is imported from the checkout; no install step is needed.
ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
for p in (ROOT, HERE):  # HERE too, in case pytest runs with --import-mode=importlib
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from qb_factories import GOOD_BANK  # noqa: E402


@pytest.fixture
def write(tmp_path):
    """write(name, text) -> Path: a dedented file in tmp_path."""
    def _write(name: str, text: str, encoding: str = "utf-8") -> Path:
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        data = textwrap.dedent(text).lstrip("\n")
        p.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
        return p
    return _write


@pytest.fixture
def good_bank(write):
    """A valid two-topic bank file."""
    return write("bank/good.yaml", GOOD_BANK)
