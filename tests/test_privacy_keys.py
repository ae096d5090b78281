"""Key names: tokenizing, normalizing, and the deny-list decisions docs/privacy.md lists."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from opsguard.core.errors import ConfigError
from opsguard.privacy import build_policy, normalize_key, tokenize_key
from opsguard.privacy.denylist import DEFAULT_DENY, GROUP_ORDER, build_entries
from opsguard.privacy.keys import KeyClassifier, parse_entry
from opsguard.privacy.settings import PrivacyConfig


def _classify(key: str, privacy: PrivacyConfig | None = None) -> str | None:
    match = build_policy(privacy or PrivacyConfig()).classifier.classify(key)
    return None if match is None else match.group


# --- tokenizer and normalizer ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "tokens"),
    [
        ("restingHeartRate", ("resting", "heart", "rate")),
        ("resting_heart_rate", ("resting", "heart", "rate")),
        ("RESTING-HEART-RATE", ("resting", "heart", "rate")),
        ("resting.heart rate", ("resting", "heart", "rate")),
        ("avgSpO2Value", ("avg", "sp", "o", "2", "value")),
        ("HRVSummary", ("hrv", "summary")),
        ("lastNight5MinHigh", ("last", "night", "5", "min", "high")),
        ("hrz_1_hr", ("hrz", "1", "hr")),
        ("vo2MaxValue", ("vo", "2", "max", "value")),
        ("heartbeat", ("heartbeat",)),
        ("__", ()),
        ("", ()),
    ],
)
def test_tokenize_key(key: str, tokens: tuple[str, ...]) -> None:
    assert tokenize_key(key) == tokens


_NUMBER = st.text(alphabet="0123456789", min_size=1, max_size=3)


@st.composite
def _token_lists(draw: st.DrawFn, shortest: int = 1) -> list[str]:
    """Lowercase word and digit tokens, never two digit runs in a row (they would merge)."""
    word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=shortest, max_size=8)
    tokens = [draw(word)]
    for _ in range(draw(st.integers(0, 4))):
        if tokens[-1].isdigit():
            tokens.append(draw(word))
        else:
            tokens.append(draw(st.one_of(word, _NUMBER)))
    return tokens


@given(_token_lists(shortest=2))
def test_camel_and_pascal_case_split_into_the_words(tokens: list[str]) -> None:
    # Words of one letter are excluded: `AB` (PascalCase of a, b) reads as one acronym.
    camel = tokens[0] + "".join(t.capitalize() for t in tokens[1:])
    pascal = "".join(t.capitalize() for t in tokens)
    for spelling in (camel, pascal):
        assert tokenize_key(spelling) == tuple(tokens), spelling
        assert normalize_key(spelling) == "".join(tokens)


@given(_token_lists())
def test_every_separated_spelling_of_a_name_has_the_same_tokens(tokens: list[str]) -> None:
    spellings = [
        "_".join(tokens),
        "-".join(tokens),
        ".".join(tokens),
        " ".join(tokens),
        "_".join(tokens).upper(),
        "-".join(tokens).upper(),
    ]
    for spelling in spellings:
        assert tokenize_key(spelling) == tuple(tokens), spelling
        assert normalize_key(spelling) == "".join(tokens)


@given(st.text(max_size=40))
def test_normalized_is_the_joined_tokens(key: str) -> None:
    tokens = tokenize_key(key)
    assert normalize_key(key) == "".join(tokens)
    assert all(tokens)
    assert all(t.isdigit() or not any(c.isdigit() for c in t) for t in tokens)


@given(st.text(alphabet=st.characters(max_codepoint=127), max_size=40), st.sampled_from("_-. "))
def test_case_and_separators_never_matter(key: str, separator: str) -> None:
    assert normalize_key(key.upper()) == normalize_key(key.lower()) == normalize_key(key)
    assert normalize_key(key + separator + key) == normalize_key(key) * 2


@given(st.text(max_size=30), st.text(max_size=30))
def test_a_separator_splits_tokens(left: str, right: str) -> None:
    assert tokenize_key(left + "_" + right) == tokenize_key(left) + tokenize_key(right)


# --- entry syntax ------------------------------------------------------------------------------


def test_entry_stars_decide_where_other_tokens_may_stand() -> None:
    classifier = KeyClassifier(
        [
            entry
            for entry in (
                parse_entry("steps", "raw-metric", "t"),
                parse_entry("*hrv", "raw-metric", "t"),
                parse_entry("rr*", "raw-metric", "t"),
                parse_entry("*heart rate*", "raw-metric", "t"),
            )
            if entry
        ]
    )
    assert classifier.classify("steps") is not None
    assert classifier.classify("steps_completed") is None
    assert classifier.classify("avg_hrv") is not None
    assert classifier.classify("hrv_ms") is None  # `*hrv` allows tokens before only
    assert classifier.classify("rr_min") is not None
    assert classifier.classify("min_rr") is None
    assert classifier.classify("maxHeartRateBpm") is not None
    assert classifier.classify("heartbeat") is None


def test_an_entry_matches_only_on_token_boundaries() -> None:
    entry = parse_entry("*rhr*", "raw-metric", "heart rate")
    assert entry is not None
    classifier = KeyClassifier([entry])
    assert classifier.classify("rhr_avg") is not None
    assert classifier.classify("avgRhr") is not None
    assert classifier.classify("thrhrx") is None  # inside a word, not a token
    assert classifier.classify("RHR") is not None


def test_parse_entry_rejects_names_without_letters() -> None:
    assert parse_entry("**", "pii", "x") is None
    assert parse_entry(" _-_ ", "pii", "x") is None


def test_every_default_entry_parses_and_groups_follow_the_config() -> None:
    assert set(GROUP_ORDER) == set(DEFAULT_DENY)
    for group, labels in DEFAULT_DENY.items():
        for label, names in labels.items():
            for name in names:
                assert parse_entry(name, group, label) is not None, name


# --- every group, in every spelling ------------------------------------------------------------

# One realistic Garmin/GarminDB name per kind (anchors section 4), as tokens.
GROUP_NAMES: list[tuple[str, tuple[str, ...]]] = [
    ("raw-metric", ("resting", "heart", "rate")),
    ("raw-metric", ("min", "heart", "rate")),
    ("raw-metric", ("average", "hr")),
    ("raw-metric", ("rhr", "avg")),
    ("raw-metric", ("hrv", "summary")),
    ("raw-metric", ("last", "night", "5", "min", "high")),
    ("raw-metric", ("avg", "sleep", "hrv")),
    ("raw-metric", ("average", "spo2")),
    ("raw-metric", ("lowest", "spo2")),
    ("raw-metric", ("pulse", "ox")),
    ("raw-metric", ("avg", "waking", "respiration", "value")),
    ("raw-metric", ("rr", "max")),
    ("raw-metric", ("average", "stress", "level")),
    ("raw-metric", ("stress", "duration")),
    ("raw-metric", ("body", "battery", "charged", "value")),
    ("raw-metric", ("bb", "max")),
    ("raw-metric", ("sleep", "time", "seconds")),
    ("raw-metric", ("deep", "sleep", "seconds")),
    ("raw-metric", ("rem", "sleep")),
    ("raw-metric", ("sleep", "scores")),
    ("raw-metric", ("total", "steps")),
    ("raw-metric", ("daily", "step", "goal")),
    ("raw-metric", ("floors", "ascended")),
    ("raw-metric", ("total", "kilocalories")),
    ("raw-metric", ("moderate", "intensity", "minutes")),
    ("raw-metric", ("total", "distance", "meters")),
    ("raw-metric", ("vo2", "max", "precise", "value")),
    ("raw-metric", ("fitness", "age")),
    ("raw-metric", ("percent", "fat")),
    ("raw-metric", ("muscle", "mass")),
    ("raw-metric", ("systolic",)),
    ("raw-metric", ("diastolic",)),
    ("raw-metric", ("recovery", "time")),
    ("raw-metric", ("menstrual", "cycle")),
    ("location", ("start", "latitude")),
    ("location", ("end", "longitude")),
    ("location", ("position", "lat")),
    ("location", ("stop", "long")),
    ("location", ("location", "name")),
    ("pii", ("display", "name")),
    ("pii", ("full", "name")),
    ("pii", ("email", "address")),
    ("pii", ("user", "profile", "pk")),
    ("pii", ("garmin", "guid")),
    ("pii", ("owner", "id")),
    ("pii", ("serial", "number")),
    ("secret", ("oauth", "token")),
    ("secret", ("oauth", "token", "secret")),
    ("secret", ("refresh", "token")),
    ("secret", ("access", "token")),
    ("secret", ("client", "secret")),
    ("secret", ("password",)),
    ("secret", ("api", "key")),
]


def _spell(tokens: tuple[str, ...], style: str) -> str:
    if style == "camelCase":
        return tokens[0] + "".join(t.capitalize() for t in tokens[1:])
    if style == "snake_case":
        return "_".join(tokens)
    if style == "kebab-case":
        return "-".join(tokens)
    return "_".join(tokens).upper()


@pytest.mark.parametrize("style", ["camelCase", "snake_case", "kebab-case", "SCREAMING_CASE"])
@pytest.mark.parametrize(("group", "tokens"), GROUP_NAMES, ids="_".join)
def test_every_group_in_every_spelling(group: str, tokens: tuple[str, ...], style: str) -> None:
    assert _classify(_spell(tokens, style)) == group


# --- the borderline decisions (docs/privacy.md, "Decisions on ambiguous keys") -----------------

DECISIONS: list[tuple[str, str | None]] = [
    # pipeline words that merely contain a metric word: clean
    ("heartbeat", None),
    ("steps_completed", None),
    ("pipeline_steps", None),
    ("steps_total", None),
    ("step", None),
    ("sleep_ms", None),
    ("retry.sleep_ms", None),
    ("sleep", None),
    ("sleep_seconds", None),
    ("sleep_time", None),
    ("sleepTimeSeconds", "raw-metric"),
    ("backoff_sleep_ms", None),
    ("stress_test_id", None),
    ("token_count", None),
    ("tokens_used", None),
    ("max_tokens", None),
    ("weekly_avg_duration_ms", None),
    ("recovery_time_ms", None),
    ("p99_lat", None),
    ("latency", None),
    ("location", None),
    ("position", None),
    ("distance", None),
    ("score", None),
    ("email_sent", None),
    ("sample_weight", None),
    ("weight_decay", None),
    ("rr_index", None),
    ("hrs", None),
    ("age_days", None),
    ("max_age", None),
    ("records_written", None),
    ("duration_ms", None),
    # exact metric words and Garmin names: flagged
    ("steps", "raw-metric"),
    ("total_steps", "raw-metric"),
    ("stress", "raw-metric"),
    ("weight", "raw-metric"),
    ("hr", "raw-metric"),
    ("rr", "raw-metric"),
    ("weekly_avg", "raw-metric"),
    ("baseline_low", "raw-metric"),
    ("recovery_time", "raw-metric"),
    ("hrv_ms", "raw-metric"),
    ("heartRateZones", "raw-metric"),
    ("avgRestingHeartRate", "raw-metric"),
    ("heartrate", "raw-metric"),
    ("lat", "location"),
    ("lon", "location"),
    ("email", "pii"),
    ("age", "pii"),
    ("user_id", "pii"),
    ("token", "secret"),
    ("secret_name", "secret"),
    ("authorization", "secret"),
    # flattened attribute names: checked segment by segment
    ("payload.rhr", "raw-metric"),
    ("health.spo2", "raw-metric"),
    ("retry.attempts", None),
]


@pytest.mark.parametrize(("key", "group"), DECISIONS)
def test_decisions_on_ambiguous_keys(key: str, group: str | None) -> None:
    assert _classify(key) == group


def test_all_lowercase_run_together_names_match_only_as_whole_entries() -> None:
    # Without separators or case changes a key is one token: no entry can match inside it
    # (`*bmi*` must not fire on "submit"), so only an entry equal to the whole key does.
    assert _classify("heartrate") == "raw-metric"
    assert _classify("username") == "pii"
    assert _classify("restingheartrate") is None
    assert _classify("submit") is None


# --- configuration -----------------------------------------------------------------------------


def test_safe_keys_always_win() -> None:
    privacy = PrivacyConfig(safe_keys=("total_steps", "Weight"))
    assert _classify("totalSteps", privacy) is None
    assert _classify("weight", privacy) is None
    assert _classify("steps", privacy) == "raw-metric"


def test_configured_names_extend_a_group() -> None:
    privacy = PrivacyConfig(deny={"raw-metric": ("readiness raw",), "pii": ("*nickname*",)})
    assert _classify("readiness_raw", privacy) == "raw-metric"
    assert _classify("readinessRawValue", privacy) is None  # exact unless starred
    assert _classify("user_nickname", privacy) == "pii"
    assert _classify("restingHeartRate", privacy) == "raw-metric"  # defaults kept


def test_replace_defaults_uses_only_the_configured_names() -> None:
    privacy = PrivacyConfig(deny={"raw-metric": ("*glucose*",)}, replace_defaults=("raw-metric",))
    assert _classify("restingHeartRate", privacy) is None
    assert _classify("bloodGlucose", privacy) == "raw-metric"
    assert _classify("email", privacy) == "pii"  # other groups keep their defaults


def test_a_configured_name_without_letters_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"privacy\.deny\.pii"):
        build_entries(PrivacyConfig(deny={"pii": ("__",)}))


def test_precedence_between_groups_is_stable() -> None:
    # "email_token" matches pii ("email" is exact, so no) and secret (`*token*`? no: exact):
    # a key matching two groups reports the first of secret, pii, location, raw-metric.
    privacy = PrivacyConfig(deny={"raw-metric": ("*vault*",), "secret": ("*vault*",)})
    assert _classify("vault_key", privacy) == "secret"


def test_classification_is_cached_per_key() -> None:
    classifier = build_policy(PrivacyConfig()).classifier
    first = classifier.classify("restingHeartRate")
    assert classifier.classify("restingHeartRate") is first


@pytest.mark.parametrize(
    ("key", "value_class"),
    [
        ("start_lat", "coordinate"),
        ("home_address", "place"),
        ("resting_heart_rate", "measurement"),
        ("api_token", "credential"),
        ("email", "identity"),
    ],
)
def test_a_match_carries_the_value_class_its_entry_proposes(key: str, value_class: str) -> None:
    match = build_policy(PrivacyConfig()).classifier.classify(key)
    assert match is not None
    assert match.value_class == value_class
