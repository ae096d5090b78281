"""The privacy scan's settings: mode, extra and replaced deny names, allowlist, suppressions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..core.config import (
    Choice,
    Day,
    Kind,
    SectionSpec,
    Setting,
    Switch,
    Values,
    Words,
    table_items,
)
from ..core.errors import ConfigError

__all__ = ["PRIVACY", "PRIVACY_GROUPS", "PRIVACY_MODES", "PrivacyConfig", "Suppression"]

PRIVACY_GROUPS: tuple[str, ...] = ("raw-metric", "location", "pii", "secret")
PRIVACY_MODES: tuple[str, ...] = ("denylist", "allowlist")


@dataclass(frozen=True, slots=True)
class Suppression:
    """A reviewed exception to the privacy scan: a key path or a file glob, why, and until when."""

    key: str | None
    file: str | None
    reason: str
    expires: date


@dataclass(frozen=True, slots=True)
class PrivacyConfig:
    mode: str = "denylist"
    # Extra key names per deny group ("raw-metric", "location", "pii", "secret").
    deny: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Groups whose built-in names `deny` replaces instead of extending.
    replace_defaults: tuple[str, ...] = ()
    # Allowlist mode: the declared telemetry key paths (`a.b`, `*` one level, `**` any depth).
    allow: tuple[str, ...] = ()
    # Normalized key names never flagged, for names that only look like metrics.
    safe_keys: tuple[str, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    # Each finding's message also names the deny entry and the value shape's rule.
    explain: bool = False


class _DenyNames(Kind):
    """`deny = { group = ["name", ...] }` (file only)."""

    text = False
    description = "a table: group -> list of key names"

    def from_value(self, value: Any, where: str, base: Path) -> dict[str, tuple[str, ...]]:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a table of string lists")
        result: dict[str, tuple[str, ...]] = {}
        for group, names in value.items():
            Choice(PRIVACY_GROUPS).from_value(group, f"{where} group", base)
            if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
                raise ConfigError(f"{where}.{group}: expected a list of non-empty strings")
            result[group] = tuple(names)
        return result


class _Suppressions(Kind):
    """`suppressions = [{ key | file, reason, expires }]` (file only)."""

    text = False
    description = "a list of {key or file, reason, expires} tables"

    def from_value(self, value: Any, where: str, base: Path) -> tuple[Suppression, ...]:
        suppressions: list[Suppression] = []
        keys = ("key", "file", "reason", "expires")
        for index, item in enumerate(table_items(value, where, keys)):
            here = f"{where}[{index}]"
            key, file, reason, expires = (item.get(k) for k in keys)
            if (key is None) == (file is None):
                raise ConfigError(f"{here}: give exactly one of key (a key path) or file (a glob)")
            for name, text in (("key", key), ("file", file)):
                if text is not None and (not isinstance(text, str) or not text.strip()):
                    raise ConfigError(f"{here}.{name}: expected a non-empty string")
            if not isinstance(reason, str) or not reason.strip():
                raise ConfigError(f"{here}: every suppression needs a reason")
            if expires is None:
                raise ConfigError(
                    f"{here}: every suppression needs an expiry date (expires = YYYY-MM-DD)"
                )
            day = Day().from_value(expires, f"{here}.expires", base)
            suppressions.append(Suppression(key, file, reason, day))
        return tuple(suppressions)


def _build(values: Values) -> PrivacyConfig:
    mode = values["privacy.mode"]
    allow = values["privacy.allow"]
    if mode == "allowlist" and not allow:
        raise ConfigError(
            f"{values.origin('privacy.mode')}: allowlist mode needs the allowed key paths in "
            "privacy.allow"
        )
    return PrivacyConfig(
        mode=mode,
        deny=values["privacy.deny"],
        replace_defaults=values["privacy.replace_defaults"],
        allow=allow,
        safe_keys=values["privacy.safe_keys"],
        suppressions=values["privacy.suppressions"],
        explain=values["privacy.explain"],
    )


PRIVACY: SectionSpec[PrivacyConfig] = SectionSpec(
    "privacy",
    (
        Setting(
            "privacy.mode",
            Choice(PRIVACY_MODES),
            "denylist",
            "denylist: flag known metric, PII, location and secret names; allowlist: also "
            "flag every key not declared in privacy.allow",
            flag="--mode",
        ),
        Setting("privacy.deny", _DenyNames(), {}, "extra key names per deny group"),
        Setting(
            "privacy.replace_defaults",
            Words(PRIVACY_GROUPS, what="group"),
            [],
            "groups whose built-in names `deny` replaces instead of extending",
        ),
        Setting(
            "privacy.allow", Words(what="key path"), [], "allowlist mode: the declared key paths"
        ),
        Setting(
            "privacy.safe_keys", Words(what="key name"), [], "normalized key names never flagged"
        ),
        Setting(
            "privacy.suppressions",
            _Suppressions(),
            [],
            "reviewed exceptions: a key path or file glob, a reason and an expiry date",
        ),
        Setting(
            "privacy.explain",
            Switch(),
            False,
            "name in each finding the key class and deny entry that proposed it and the value "
            "shape that confirmed it (never the value)",
            flag="--explain",
        ),
    ),
    _build,
)
