"""Value detectors for JSON strings and plain-text lines, and their byte prefilter.

Detectors (one `Hit` each; a hit never carries the matched text):

- **email** (`pii`), **latitude/longitude pairs** (`location`: two decimals
  with three or more places, in range, comma-separated), **JWTs** and
  **Bearer/OAuth credentials** (`secret`);
- **free-text key/value forms**, whose key goes through the same deny-list as
  JSON keys: `key=value`, `key: value` (a colon followed by a space or tab; a
  bare `rhr:52` reads like a time or URL and is not a form), `"key": value`
  (JSON inside text, or a torn JSONL line), and `key number unit`
  (`rhr 52 bpm`; without a unit, `retry 2 of 3` is prose). An empty value
  (`rhr=`, `rhr=""`, `rhr=null`) is not a leak.

Why hand-written: detect-secrets and gitleaks know credential shapes, Presidio
and scrubadub know prose entities; none maps `hrv: 41ms` to a health metric,
and all of them are slow on millions of lines.

The prefilter (`TRIGGER_LITERALS`, `TRIGGER_PATTERNS`) is a cheap superset of
what the detectors can match, run on raw bytes: a line none of them touches
cannot produce a hit, so it skips the detectors. Every detector pattern is
ASCII (`re.ASCII`), and each names the trigger that covers it; the test suite
checks the superset property on generated strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .keys import KeyClassifier, KeyMatch
from .values import judge, judge_text

__all__ = [
    "TRIGGER_LITERALS",
    "TRIGGER_PATTERNS",
    "UNITS",
    "Hit",
    "detect_text",
    "may_hit",
    "may_hit_text",
    "shown_name",
]

_A = re.ASCII

# --- detectors (on str) -------------------------------------------------------------------------

# Trigger: "@". The lookbehind keeps it linear: a local part starts only once per run.
_EMAIL = re.compile(
    r"(?<![\w.%+\-])[\w.%+\-]++@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}+\.)++[A-Za-z]{2,24}+(?![\w\-])",
    _A,
)
# Trigger: "eyJ" (base64url of '{"').
_JWT = re.compile(r"(?<![\w\-])eyJ[\w\-]{6,}+\.[\w\-]{6,}+\.[\w\-]*+", _A)
# Trigger: the space after the scheme (case-insensitive lookbehind in the byte pattern).
_AUTH_SCHEME = re.compile(r"(?<![\w\-])(?i:bearer|oauth)[ \t]++([\w\-.~+/]{16,}+=*+)", _A)
# Trigger: "." followed by three digits, a comma and another decimal.
_COORDS = re.compile(
    r"(?<![\w.\-])(-?\d{1,2}\.\d{3,}+)[ \t]*+,[ \t]*+(-?\d{1,3}\.\d{3,}+)(?![\w.])", _A
)
# The units of a `key number unit` form (the byte prefilter, `prefilter.py`, uses them too).
UNITS = r"bpm|brpm|ms|msec|%|kg|kgs|lb|lbs|kcal|cal|mmhg|mg/dl|steps|min|mins|h|hrs|s|sec|m|km|mi"
# Only the key and its operator are consumed; the value is looked at (six
# characters at most, enough to tell an empty one) but not consumed, so a key
# inside a value (`msg="fetched rhr=52"`, `payload={"rhr": 52}`) is found too,
# and the scan stays linear on a 50 MB line.
# Triggers: '\\' (JSON form inside a JSON string is escaped) or '"' in text files,
# "=", ": " after a non-quote, and a space between a word character and a digit.
_KEY_VALUE = re.compile(
    r'"(?P<jkey>[^"\\\n]{1,128}+)"[ \t]*+:[ \t]*+(?=(?P<jval>[^\s,}\]]{1,6}))'
    r"|(?<![\w.\-])(?P<key>[A-Za-z_][\w.\-]{0,127}+)(?:[ \t]*+=[ \t]*+|[ \t]*+:[ \t]++)"
    r"(?=(?P<val>[^\s,;&}\])]{1,6}))"
    r"|(?<![\w.\-])(?P<ukey>[A-Za-z_][\w\-]{0,127}+)[ \t]++-?\d++(?:\.\d++)?+[ \t]*+"
    rf"(?:{UNITS})(?![A-Za-z])",
    _A | re.IGNORECASE,
)
_EMPTY_VALUES = frozenset({'""', "''", "null", "none", "nil", '"null"'})

# --- prefilter (on raw bytes) -------------------------------------------------------------------

# Bytes whose presence anywhere in a line sends it to the detectors:
# "=" (key=value), "@" (email), "\\" (any JSON escape can hide a character),
# "eyJ" (JWT), "\t" (tab-separated forms in text files), '"' only matters in text
# files (JSON form) and is added there.
TRIGGER_LITERALS: tuple[bytes, ...] = (b"=", b"@", b"\\", b"eyJ", b"\t")
# Patterns that begin with a literal byte, so the regex engine skips ahead fast; each
# with that byte, which a block must hold for the pattern to match anywhere in it.
TRIGGER_PATTERNS: tuple[tuple[bytes, re.Pattern[bytes]], ...] = (
    # "key: value" (the colon not after a quote: JSON's own `"key": ` is not free text),
    # "key 52 unit", and "Bearer <token>" / "OAuth <token>".
    (
        b" ",
        re.compile(
            rb" (?:(?<=[^\"]: )|(?<=(?i:bearer) )|(?<=(?i:oauth) )"
            rb"|(?<=[\w\-] ) *+-?\d++(?:\.\d++)?+ *+(?i:" + UNITS.encode() + rb"))"
        ),
    ),
    # Coordinates: a decimal with three places, a comma, another decimal.
    (b".", re.compile(rb"\.\d{3,}+ *+, *+-?\d{1,3}\.\d{3}")),
)


# The same prefilter for decoded strings (a JSON string value, a key name).
_TEXT_LITERALS: tuple[str, ...] = (*(t.decode() for t in TRIGGER_LITERALS), '"')
_TEXT_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(p.pattern.decode(), re.ASCII) for _, p in TRIGGER_PATTERNS
)


def may_hit_text(text: str) -> bool:
    """`may_hit` for a decoded string (quotes count: nothing escapes them here)."""
    for literal in _TEXT_LITERALS:
        if literal in text:
            return True
    return any(pattern.search(text) for pattern in _TEXT_PATTERNS)


def may_hit(raw: bytes, *, quotes: bool = False) -> bool:
    """The prefilter for one line or string: False means no detector can match.

    `quotes=True` for free text and decoded strings, where the JSON form
    `"key": value` stands unescaped (in a raw JSONL line it is escaped, `\\"`).
    """
    return (
        any(literal in raw for literal in TRIGGER_LITERALS)
        or (quotes and b'"' in raw)
        or any(pattern.search(raw) for _, pattern in TRIGGER_PATTERNS)
    )


@dataclass(frozen=True, slots=True)
class Hit:
    """One detection: a code (deny group), a kind, and a masked description.

    A free-text key form also carries the deny entry its key matched and the
    shape of its value (`values.judge_text`); `confirmed` is False for a
    look-alike (`token: write`), which `detect_text` leaves out unless asked.
    """

    code: str
    label: str
    detail: str  # e.g. "key 'rhr'" or "email address" - never the value
    key: str  # the free-text key that matched ("" for pattern detectors)
    column: int  # 1-based, where the match starts
    shape: str = ""  # the value's shape, for a key form ("a number")
    entry: str = ""  # the deny entry the key matched, for a key form
    value_class: str = ""  # the entry's value class, for a key form
    confirmed: bool = True
    # 0-based span of what a redaction must mask: the match, or a key form's value.
    start: int = 0
    end: int = 0


def detect_text(text: str, classifier: KeyClassifier, *, look_alikes: bool = False) -> list[Hit]:
    """Every detection in one string, in order of position (with `look_alikes`, also the
    key forms whose value did not confirm them, `confirmed=False`)."""
    hits: list[Hit] = []
    if "@" in text:
        hits.extend(_pattern_hit("pii", "email", "email address", m) for m in _EMAIL.finditer(text))
    if "eyJ" in text:
        hits.extend(
            _pattern_hit("secret", "credential", "JSON Web Token", m) for m in _JWT.finditer(text)
        )
    hits.extend(_auth_hits(text))
    hits.extend(_coordinate_hits(text))
    hits.extend(hit for hit in _key_value_hits(text, classifier) if hit.confirmed or look_alikes)
    hits.sort(key=lambda h: h.column)
    return hits


def _pattern_hit(code: str, label: str, detail: str, match: re.Match[str], group: int = 0) -> Hit:
    """A pattern detector's hit at `match`; a redaction masks its `group`."""
    return Hit(
        code, label, detail, "", match.start() + 1, start=match.start(group), end=match.end(group)
    )


def _auth_hits(text: str) -> Iterator[Hit]:
    for match in _AUTH_SCHEME.finditer(text):
        token = match.group(1)
        # A credential has digits or punctuation or mixed case; "Bearer authentication" has not.
        if (
            any(c.isdigit() for c in token)
            or any(c in "-._~+/" for c in token)
            or (token.lower() != token and token.upper() != token)
        ):
            yield _pattern_hit("secret", "credential", "Bearer/OAuth credential", match, 1)


def _coordinate_hits(text: str) -> Iterator[Hit]:
    for match in _COORDS.finditer(text):
        lat, lon = float(match.group(1)), float(match.group(2))
        if abs(lat) <= 90 and abs(lon) <= 180:
            yield _pattern_hit("location", "location", "latitude/longitude pair", match)


def _key_value_hits(text: str, classifier: KeyClassifier) -> Iterator[Hit]:
    for match in _KEY_VALUE.finditer(text):
        key = match.group("jkey") or match.group("key") or match.group("ukey")
        value = match.group("jval") or match.group("val")
        if value is not None and value.lower() in _EMPTY_VALUES:
            continue
        found: KeyMatch | None = classifier.classify(key)
        if found is None:
            continue
        if value is None:  # `key number unit`: a number
            verdict = judge(found.value_class, 1.0)
            start, end = match.end("ukey"), match.end()
        else:
            # The regex only peeked at the value; its whole token is read only here, for a
            # denied key (rare), so a 50 MB line of `a=a=a=...` stays linear.
            start = match.start("jval") if match.group("jval") else match.start("val")
            token = _VALUE_TOKEN.match(text, start)
            verdict = judge_text(found.value_class, token.group() if token else value)
            end = token.end() if token else start + len(value)
        yield Hit(
            found.group,
            found.label,
            f"key {shown_name(key)}",
            key,
            match.start() + 1,
            verdict.shape,
            found.entry,
            found.value_class,
            verdict.confirmed,
            start=start,
            end=end,
        )


# The value of a free-text form as written: a placeholder (`[redacted]`, what `--fix`
# leaves), a quoted string, or a run up to a delimiter (at most 128 characters; a longer
# one is judged on its start).
_VALUE_TOKEN = re.compile(
    r'\[[A-Za-z]{1,16}\]|"[^"\\\n]{0,128}"|\'[^\'\\\n]{0,128}\'|[^\s,;&}\])"\']{1,128}'
)


_LONG_DIGITS = re.compile(r"\d{3}")


def shown_name(name: str) -> str:
    """A data-derived name as it may appear in output: quoted, or `<redacted>`.

    A key name is not a value, but data sometimes puts values in key
    position (an email address, an id, a number, a date). A name is shown
    only if it is printable, at most 64 characters, without a run of three
    digits, and nothing in it could start a detection (`may_hit_text`:
    no `@`, `=`, quote, backslash, token, coordinates...).
    """
    if (
        name
        and len(name) <= 64
        and name.isprintable()
        and not _LONG_DIGITS.search(name)
        and not may_hit_text(name)
    ):
        return f"'{name}'"
    return "<redacted>"
