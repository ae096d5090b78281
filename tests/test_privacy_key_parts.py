"""Key matching by parts: flattened names segment by segment, and entries on word boundaries.

A telemetry key like `payload.steps` or `user/email` carries a denied name as
one part of a longer path; the whole key matches no entry (`steps` and `email`
are exact entries), so only the segment-by-segment fallback finds them. And a
starred entry such as `*gps*` must match whole tokens only: `agps` and
`xgps_on` are other words, `gps_xgps` starts with the real one.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.privacy import build_policy, tokenize_key
from opsguard.privacy.keys import DenyEntry, KeyClassifier, KeyMatch, parse_entry
from opsguard.privacy.settings import PrivacyConfig


def _classify(key: str, privacy: PrivacyConfig | None = None) -> KeyMatch | None:
    return build_policy(privacy or PrivacyConfig()).classifier.classify(key)


def _group(key: str, privacy: PrivacyConfig | None = None) -> str | None:
    match = _classify(key, privacy)
    return None if match is None else match.group


def _entry(text: str, group: str, label: str) -> DenyEntry:
    entry = parse_entry(text, group, label)
    assert entry is not None
    return entry


# --- segment by segment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "group", "entry"),
    [
        ("payload.steps", "raw-metric", "steps"),
        ("payload/steps", "raw-metric", "steps"),
        ("meta.email", "pii", "email"),
        ("meta/email", "pii", "email"),
        ("user/email", "pii", "user email"),
        ("heart.rate", "raw-metric", "*heart rate*"),
        ("a.b.c.steps", "raw-metric", "steps"),
        ("steps.count", "raw-metric", "steps"),
        ("request/meta.lat", "location", "lat"),
        ("x..steps", "raw-metric", "steps"),
        ("ctx.token", "secret", "token"),
    ],
)
def test_a_denied_segment_denies_the_key(key: str, group: str, entry: str) -> None:
    match = _classify(key)

    assert match is not None, key
    assert (match.group, match.entry) == (group, entry)


@pytest.mark.parametrize("key", ["payload.steps", "meta.email", "meta/email", "ctx.token"])
def test_the_whole_key_alone_would_not_match(key: str) -> None:
    # Without the fallback these keys pass: the exact entries never match the joined name.
    whole = "_".join(key.replace("/", ".").split("."))

    assert _classify(whole) is None


@pytest.mark.parametrize(
    "key",
    [
        "retry.attempts",
        "pipeline.steps_completed",
        "meta/sleep_ms",
        "run.id",
        ".",
        "/",
        "a..b",
        "payload.",
        "/steps_total/",
    ],
)
def test_keys_without_a_denied_segment_stay_clean(key: str) -> None:
    assert _classify(key) is None


def test_the_first_denied_segment_names_the_finding() -> None:
    match = _classify("meta.email.lat")

    assert match is not None
    assert (match.group, match.entry) == ("pii", "email")


def test_a_safe_segment_is_not_denied() -> None:
    privacy = PrivacyConfig(safe_keys=("steps",))

    assert _group("payload.steps", privacy) is None
    assert _group("payload.email", privacy) == "pii"


_WORDS = st.sampled_from(
    ["payload", "meta", "steps", "email", "lat", "token", "retry", "sleep_ms", "run", "heartRate"]
)


@given(st.lists(_WORDS, min_size=1, max_size=4), st.sampled_from("./"))
def test_a_flattened_key_is_denied_iff_the_whole_or_some_segment_is(
    words: list[str], separator: str
) -> None:
    key = separator.join(words)
    classifier = build_policy(PrivacyConfig()).classifier
    parts = [classifier.classify(word) for word in words]

    assert (classifier.classify(key) is not None) == (
        any(part is not None for part in parts) or classifier.classify("_".join(words)) is not None
    )


# --- token boundaries --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "group"),
    [
        ("gps", "location"),
        ("GPS", "location"),
        ("gps_on", "location"),
        ("my_gps", "location"),
        ("myGpsFix", "location"),
        ("gps_xgps", "location"),  # the real word starts the key
        ("xgps_gps", "location"),  # a look-alike first, the real word later
        ("agps", None),  # one word that merely contains "gps"
        ("xgps_on", None),
        ("gpsx", None),
        ("agps_xgps", None),
        ("xgps_gps_xgps", "location"),  # only the middle one stands on boundaries
    ],
)
def test_starred_entries_match_whole_tokens_only(key: str, group: str | None) -> None:
    assert _group(key) == group


def test_an_entry_found_again_one_character_later() -> None:
    # "hr_rr" normalizes to "hrrr": "rr" first occurs inside "hr", then as the second token.
    entry = _entry("*rr*", "raw-metric", "respiration rate")

    assert KeyClassifier([entry]).classify("hr_rr") is not None
    assert KeyClassifier([entry]).classify("hrrr") is None


def test_a_one_character_entry() -> None:
    classifier = KeyClassifier([_entry("x", "location", "coordinate")])

    assert classifier.classify("X") is not None
    assert classifier.classify("x_pos") is None


def test_an_entry_keeps_a_leading_capital_x() -> None:
    # Stars are stripped from an entry, never letters: X-Forwarded-For keeps its X.
    entry = _entry("*X-Forwarded-For*", "pii", "ip address")
    assert entry.normalized == "xforwardedfor"
    classifier = KeyClassifier([entry])

    assert classifier.classify("http_x_forwarded_for") is not None
    assert classifier.classify("forwarded_for") is None


@pytest.mark.parametrize(
    ("key", "tokens"),
    [
        ("XMin", ("x", "min")),
        ("lastXValue", ("last", "x", "value")),
        ("HRVSummary", ("hrv", "summary")),
        ("ABc", ("a", "bc")),
    ],
)
def test_a_capital_before_a_lowercase_letter_starts_a_word(
    key: str, tokens: tuple[str, ...]
) -> None:
    assert tokenize_key(key) == tokens


def test_exact_entries_match_only_the_whole_key() -> None:
    classifier = KeyClassifier([_entry("lat", "location", "location")])

    assert classifier.classify("lat") is not None
    assert classifier.classify("LAT") is not None
    assert classifier.classify("lat_x") is None
    assert classifier.classify("x_lat") is None
    assert classifier.classify("lat_lat") is None


def test_an_open_start_needs_a_boundary_before_and_the_end_of_the_key() -> None:
    entry = _entry("*rate", "raw-metric", "t")
    assert (entry.open_start, entry.open_end) == (True, False)
    classifier = KeyClassifier([entry])

    assert classifier.classify("rate") is not None
    assert classifier.classify("heart_rate") is not None
    assert classifier.classify("heart_rate_x") is None
    assert classifier.classify("pirate") is None
    assert classifier.classify("pirate_rate") is not None


def test_an_open_end_needs_the_start_of_the_key_and_a_boundary_after() -> None:
    entry = _entry("rate*", "raw-metric", "t")
    assert (entry.open_start, entry.open_end) == (False, True)
    classifier = KeyClassifier([entry])

    assert classifier.classify("rate") is not None
    assert classifier.classify("rate_max") is not None
    assert classifier.classify("x_rate_max") is None
    assert classifier.classify("rates") is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("*", None),
        ("*a*", ("a", True, True)),
        ("a*", ("a", False, True)),
        ("*a", ("a", True, False)),
        ("  heart rate  ", ("heartrate", False, False)),
    ],
)
def test_parse_entry(text: str, expected: tuple[str, bool, bool] | None) -> None:
    entry = parse_entry(text, "pii", "label")

    if expected is None:
        assert entry is None
    else:
        assert entry is not None
        assert (entry.normalized, entry.open_start, entry.open_end) == expected
        assert (entry.text, entry.group, entry.label) == (text.strip(), "pii", "label")


def test_the_earliest_entry_wins_among_several_matches() -> None:
    first = _entry("*rate*", "raw-metric", "first")
    second = _entry("heart rate", "pii", "second")

    assert KeyClassifier([first, second]).classify("heart_rate") == KeyMatch(
        "raw-metric", "first", "*rate*", "measurement"
    )
    assert KeyClassifier([second, first]).classify("heart_rate") == KeyMatch(
        "pii", "second", "heart rate", "identity"
    )


def test_the_cache_is_bounded_and_never_changes_a_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    classifier = KeyClassifier([_entry("lat", "location", "location")])
    monkeypatch.setattr("opsguard.privacy.keys.CACHE_LIMIT", 2)

    verdicts = [classifier.classify(key) for key in ("a", "lat", "b", "lat", "c")]

    assert [v is not None for v in verdicts] == [False, True, False, True, False]
    assert len(classifier._cache) == 2
