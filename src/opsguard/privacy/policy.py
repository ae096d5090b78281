"""The scan policy of a privacy configuration: the deny-list classifier and the allowlist."""

from __future__ import annotations

from .denylist import build_entries
from .keys import KeyClassifier
from .patterns import PathPatterns
from .scan import Policy
from .settings import PrivacyConfig

__all__ = ["build_policy"]


def build_policy(privacy: PrivacyConfig) -> Policy:
    """The scan policy for a privacy configuration (a fresh classifier cache each time)."""
    classifier = KeyClassifier(build_entries(privacy), privacy.safe_keys)
    allow = PathPatterns(privacy.allow) if privacy.mode == "allowlist" else None
    return Policy(classifier, allow)
