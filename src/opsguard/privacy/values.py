"""Value shapes: a denied key proposes a finding, the shape of its value confirms it.

Key names collide across domains: `full_name` is a person in a user record and
`owner/repo` in a repository, `steps` is a step count in Garmin data and a
list of CI job steps in a workflow run, `secret_scanning_alerts` is a
credential-looking key holding the permission word `write`. So a deny-list
match is a proposal; the value decides, by its shape only (it is never
shown), and when the shape is ambiguous the finding stands: a false positive
beats a leak.

Each deny entry has a value class (`value_class`):

- **measurement** (raw metrics): a number, a numeric string with or without a
  unit, a qualitative reading (`high`, `balanced`, any `UPPER_CASE` word: Garmin
  writes its qualifiers so), a boolean (a health
  condition: `pregnancy: true`), or a list or object of measurements or
  samples. Not: a string without a digit that is no reading (`bold`), a list
  of objects that describe something else (CI steps: a `name` and no value),
  words only.
- **identity** (PII): anything that can identify a person: a name, an id, a
  number, a date. Not: a slug with a `/` (`owner/repo`), an enum or
  permission word (`write`, `public`, `none`), a placeholder or masked value,
  a boolean.
- **credential** (secrets): credential-shaped: any other string or number.
  Not: a permission or enum word, a boolean, a masked value (`****`,
  `[REDACTED]`), a reference to a secret (`${{ secrets.TOKEN }}`).
- **coordinate** (latitude, longitude, GPS...): a number (degrees, or
  Garmin's semicircles), a string with a digit, or a container holding one.
  Not: a boolean, a word (`enabled`).
- **place** (addresses, location names): the identity rule.

`null`, `""`, `{}` and `[]` leaked nothing and are never reported (the
scanner checks that before it asks here). Containers are judged on their
leaves, at most `_LEAF_LIMIT` of them; past that the finding stands.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CLASS_NAMES",
    "VALUE_CLASSES",
    "Verdict",
    "judge",
    "judge_text",
    "value_class",
]

VALUE_CLASSES: tuple[str, ...] = ("measurement", "identity", "credential", "coordinate", "place")
# How a value class is named to a user: the key class of the deny list.
CLASS_NAMES: dict[str, str] = {
    "measurement": "raw metric",
    "identity": "identity",
    "credential": "credential",
    "coordinate": "location (coordinate)",
    "place": "location (place)",
}
# Leaves of a container looked at before the finding stands unjudged (when in doubt, flag).
_LEAF_LIMIT = 256


def value_class(group: str, label: str) -> str:
    """The value class of a deny entry of `group` (its finding code) and `label` (its kind)."""
    if group == "raw-metric":
        return "measurement"
    if group == "secret":
        return "credential"
    if group == "location":
        return "coordinate" if label == "coordinate" else "place"
    return "identity"


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a value confirms its key's finding, and its shape in words (never the value)."""

    confirmed: bool
    shape: str


# Words that identify nobody and open nothing: permission levels, switches, states, roles,
# placeholders. Compared lowercased and stripped.
_ENUM_WORDS = frozenset(
    {
        # permission levels (GitHub, GitLab, package registries, cloud IAM)
        "read", "write", "admin", "maintain", "triage", "pull", "push", "owner", "member",
        "collaborator", "contributor", "viewer", "editor", "reader", "writer", "manage",
        "full", "limited", "read-only", "readonly", "read-write", "readwrite", "read_only",
        "write_only", "no_access", "none", "all", "public", "private", "internal",
        "restricted", "selected",
        # switches and states
        "true", "false", "yes", "no", "on", "off", "enabled", "disabled", "active",
        "inactive", "required", "optional", "allowed", "denied", "granted", "revoked",
        "present", "absent", "set", "unset", "configured", "missing", "valid", "invalid",
        "expired", "pending", "ok", "error", "default", "auto", "manual", "visible",
        # roles and account kinds
        "user", "bot", "system", "service", "organization", "org", "team", "guest", "root",
        "anonymous", "anon", "nobody",
        # placeholders
        "null", "nil", "n/a", "na", "unknown", "unspecified", "undefined", "not set",
        "not_set", "-", "--", "?", "tbd", "todo", "placeholder",
        "redacted", "filtered", "hidden", "masked", "removed", "omitted",
    }
)  # fmt: skip
# Qualitative readings of a body measurement (Garmin qualifiers, HRV status, stress levels).
_READINGS = frozenset(
    {
        "low", "high", "medium", "moderate", "elevated", "normal", "balanced", "unbalanced",
        "optimal", "rest", "resting", "calm",
        "stressful", "relaxed", "deep", "light", "rem", "awake", "very low", "very high",
        "above baseline", "below baseline", "very_low", "very_high", "low_stress",
        "medium_stress", "high_stress", "recovering", "productive", "maintaining",
        "peaking", "overreaching", "unproductive", "detraining", "strained",
    }
)  # fmt: skip
# Garmin writes its qualifiers as constants (`GOOD`, `BALANCED`, `LOW_STRESS`): a reading.
_QUALIFIER = re.compile(r"[A-Z]{2,}(?:_[A-Z]+)*")
# A repository or package slug: segments with a letter each, joined by `/`.
_SLUG = re.compile(r"[\w.\-]*[A-Za-z][\w.\-]*(?:/[\w.\-]*[A-Za-z][\w.\-]*)+", re.ASCII)
# Masked: a run of three or more mask characters, at most eight characters around it.
_MASKED = re.compile(
    r"[^*•●]{0,8}[*•●]{3,}[^*•●]{0,8}|[xX]{6,}"
    r"|[<\[({](?:redacted|filtered|hidden|masked|removed|omitted|sensitive)[>\])}]",
    re.IGNORECASE,
)
# A reference to a secret, not the secret: `${{ secrets.X }}`, `${VAR}`, `{{ var }}`, `$VAR`.
_REFERENCE = re.compile(r"\$\{\{[^{}]*\}\}|\$\{[\w.\-]+\}|\{\{[^{}]*\}\}|\$[A-Z_][A-Z0-9_]*")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")
_NUMBER_UNIT = re.compile(
    r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)\s*(?:%|[A-Za-z]{1,8}(?:/[A-Za-z]{1,4})?)"
    r"(?:\s*[+-]?\d+(?:[.,]\d*)?\s*[A-Za-z]{1,8})*"
)
_EMAIL_LIKE = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_NAME_LIKE = re.compile(r"[^\W\d_]+(?:[ '\u2019.\-][^\W\d_]+){0,5}\.?")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
# Keys that name what a descriptive object describes, and keys that hold a measurement.
_NAMING_KEYS = frozenset(
    {"name", "title", "description", "label", "text", "summary", "message", "uses", "run",
     "command", "script", "url", "htmlurl", "href", "displaytitle"}
)  # fmt: skip
_MEASUREMENT_KEYS = frozenset(
    {"value", "values", "val", "avg", "average", "mean", "min", "max", "median", "reading",
     "readings", "sample", "samples", "measurement", "measurements", "level", "bpm"}
)  # fmt: skip


def judge(value_cls: str, value: object) -> Verdict:
    """Whether `value` (a parsed JSON value, not empty) confirms a key of `value_cls`."""
    if value_cls == "measurement":
        return _measurement(value, _Budget())
    if value_cls == "coordinate":
        return _coordinate(value, _Budget())
    if value_cls == "credential":
        return _scalar_or_leaves(value, _credential, _Budget())
    return _scalar_or_leaves(value, _identity, _Budget())


def judge_text(value_cls: str, token: str) -> Verdict:
    """`judge` for the value of a free-text form (`rhr=52`, `token: write`), as written.

    Only what follows the operator is known (up to a space, comma or
    bracket), so an opening quote, bracket or brace means "a value we cannot
    see whole": the finding stands.
    """
    text = token.strip()
    if _MASKED.fullmatch(text):
        return Verdict(False, "a masked value")  # what `--fix` leaves: `rhr=[redacted]`
    if text[:1] in ("[", "{"):
        return Verdict(True, "a JSON container")
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1]
    elif text[:1] in ('"', "'"):
        return Verdict(True, "a quoted string")
    lowered = text.lower()
    if lowered in ("true", "false"):
        return judge(value_cls, lowered == "true")
    if _NUMBER.fullmatch(text) and "," not in text:
        try:
            number = float(text)
        except ValueError:
            number = math.nan
        if math.isfinite(number):
            return judge(value_cls, number)
    return judge(value_cls, text)


class _Budget:
    """How many more leaves a container walk may look at."""

    __slots__ = ("left",)

    def __init__(self) -> None:
        self.left = _LEAF_LIMIT

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _is_number(value: object) -> bool:
    return type(value) is int or type(value) is float


def _measurement(value: object, budget: _Budget) -> Verdict:
    if _is_number(value):
        return Verdict(True, "a number")
    if type(value) is bool:
        return Verdict(True, "a boolean")
    if type(value) is str:
        return _measurement_text(value)
    if type(value) is list or type(value) is dict:
        return _measurement_container(value, budget)
    return Verdict(True, "a value")


def _measurement_text(text: str) -> Verdict:
    stripped = text.strip()
    if not stripped:
        return Verdict(False, "a blank string")
    if _NUMBER.fullmatch(stripped):
        return Verdict(True, "a numeric string")
    if _NUMBER_UNIT.fullmatch(stripped):
        return Verdict(True, "a number with a unit")
    if _DIGIT.search(stripped):
        return Verdict(True, "a string with digits")
    if stripped.lower() in _READINGS or _QUALIFIER.fullmatch(stripped):
        return Verdict(True, "a qualitative reading")
    return Verdict(False, "a string without digits")


def _measurement_container(value: list[Any] | dict[str, Any], budget: _Budget) -> Verdict:
    """A list or object of measurements or samples, or one that describes something else."""
    if type(value) is dict:
        if _descriptive(value):
            return Verdict(False, "an object describing something else")
        items: list[Any] = list(value.values())
        kind = "an object"
    else:
        items = value  # type: ignore[assignment]  # a list here
        kind = "a list"
        dicts = [item for item in items if type(item) is dict]
        if dicts and len(dicts) == len(items) and all(map(_descriptive, dicts)):
            return Verdict(False, "a list of objects describing something else")
    for item in items:
        if not budget.take():
            return Verdict(True, f"{kind} too large to judge")
        if item is None or item in ("", {}, []):
            continue
        if type(item) is dict and _descriptive(item):
            continue
        verdict = _measurement(item, budget)
        if verdict.confirmed:
            inner = "samples" if type(item) in (list, dict) else "measurements"
            return Verdict(True, f"{kind} of {inner}")
    return Verdict(False, f"{kind} without a measurement")


def _descriptive(item: dict[str, Any]) -> bool:
    """An object that names something (a `name`, `title`, `uses`...) and holds no value.

    A CI step (`{"name": "Checkout", "status": "completed", "number": 1}`)
    describes a step; `{"name": "rhr", "value": 52}` is a named measurement.
    """
    named = False
    for key, child in item.items():
        normalized = "".join(ch for ch in key.lower() if ch.isalnum())
        if normalized in _MEASUREMENT_KEYS and child not in (None, "", [], {}):
            return False
        if normalized in _NAMING_KEYS and type(child) is str and _LETTER.search(child):
            named = True
    return named


def _coordinate(value: object, budget: _Budget) -> Verdict:
    if _is_number(value):
        return Verdict(True, "a number")
    if type(value) is bool:
        return Verdict(False, "a boolean")
    if type(value) is str:
        stripped = value.strip()
        if _NUMBER.fullmatch(stripped):
            return Verdict(True, "a numeric string")
        if _DIGIT.search(stripped):
            return Verdict(True, "a string with digits")
        return Verdict(False, "a string without digits")
    return _leaves(value, _coordinate, budget)


def _word(value: object) -> Verdict | str:
    """What identity and credential values share: the verdict on a number, a boolean, a
    non-string, a blank, an enum word or a masked value; else the stripped string."""
    if _is_number(value):
        return Verdict(True, "a number")
    if type(value) is bool:
        return Verdict(False, "a boolean")
    if type(value) is not str:
        return Verdict(True, "a value")
    stripped = value.strip()
    if not stripped:
        return Verdict(False, "a blank string")
    if stripped.lower() in _ENUM_WORDS:
        return Verdict(False, "an enum or permission word")
    if _MASKED.fullmatch(stripped):
        return Verdict(False, "a masked value")
    return stripped


def _identity(value: object, budget: _Budget) -> Verdict:
    stripped = _word(value)
    if isinstance(stripped, Verdict):
        return stripped
    if _SLUG.fullmatch(stripped):
        return Verdict(False, "a slug with '/'")
    if _EMAIL_LIKE.fullmatch(stripped):
        return Verdict(True, "an email address")
    if _DIGIT.search(stripped):
        return Verdict(True, "a string with digits")
    if _NAME_LIKE.fullmatch(stripped):
        return Verdict(True, "a name-like string")
    return Verdict(True, "a string")


def _credential(value: object, budget: _Budget) -> Verdict:
    stripped = _word(value)
    if isinstance(stripped, Verdict):
        return stripped
    if _REFERENCE.fullmatch(stripped):
        return Verdict(False, "a reference to a secret")
    if " " not in stripped and len(stripped) >= 8:
        return Verdict(True, "a token-like string")
    return Verdict(True, "a string")


# A value class's rule for one value (`_identity`, `_credential`, `_coordinate`).
_Rule = Callable[[object, _Budget], Verdict]


def _scalar_or_leaves(value: object, rule: _Rule, budget: _Budget) -> Verdict:
    if type(value) is list or type(value) is dict:
        return _leaves(value, rule, budget)
    return rule(value, budget)


def _leaves(value: object, rule: _Rule, budget: _Budget) -> Verdict:
    """A container confirms when one of its leaves does (by `rule`)."""
    kind = "an object" if type(value) is dict else "a list"
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            stack.extend(item.values())
            continue
        if type(item) is list:
            stack.extend(item)
            continue
        if not budget.take():
            return Verdict(True, f"{kind} too large to judge")
        if item is None or item == "":
            continue
        verdict = rule(item, budget)
        if verdict.confirmed:
            return Verdict(True, f"{kind} holding {verdict.shape}")
    return Verdict(False, f"{kind} of look-alike values")
