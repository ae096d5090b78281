"""Shared test setup: a hypothesis profile without deadlines (CI machines vary)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("opsguard", deadline=None, max_examples=200)
settings.register_profile("ci", deadline=None, max_examples=500, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "opsguard")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"


@pytest.fixture
def repo() -> Path:
    """The repository root (fixtures, noxfile, pyproject)."""
    return REPO


@pytest.fixture(autouse=True)
def _clean_opsguard_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's OPSGUARD_* variables must not change what the tests see.
    for name in list(os.environ):
        if name.startswith("OPSGUARD_") or name == "RETENTION_DAYS":
            monkeypatch.delenv(name)
