"""Schema version normalization: accepted spellings, rejected values, and its properties."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from opsguard import InvalidSchemaVersion, normalize_schema_version
from opsguard.integrity.versioning import major_of

_NORMALIZED_PREFIX = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("v1.0.0", "1.0.0"),
        ("1.0.0", "1.0.0"),
        ("1.0", "1.0.0"),
        ("1", "1.0.0"),
        (" V1.0.0 ", "1.0.0"),
        ("V1", "1.0.0"),
        ("\tv1.0\n", "1.0.0"),
        ("v1.2", "1.2.0"),
        ("1.2.3", "1.2.3"),
        ("01.02.03", "1.2.3"),
        ("10.20.30", "10.20.30"),
        ("1.0.0-RC1", "1.0.0rc1"),
        ("1.0.0rc1", "1.0.0rc1"),
        ("v1.0.0-RC1", "1.0.0rc1"),
        ("1.0c1", "1.0.0rc1"),
        ("1.0.0a", "1.0.0a0"),
        ("1.0.0-alpha.1", "1.0.0a1"),
        ("1.0.0-beta.2", "1.0.0b2"),
        ("2.1+abc", "2.1.0+abc"),
        ("2+ABC-def_1", "2.0.0+abc.def.1"),
        ("1.0.post1", "1.0.0.post1"),
        ("1.0-1", "1.0.0.post1"),
        ("1.0-r2", "1.0.0.post2"),
        ("1.0.dev0", "1.0.0.dev0"),
        ("1.0dev", "1.0.0.dev0"),
        ("1.0.0.post1.dev2", "1.0.0.post1.dev2"),
        ("v1.0.0rc1.post2.dev3+local.7", "1.0.0rc1.post2.dev3+local.7"),
    ],
)
def test_accepted_spellings_normalize(raw: str, expected: str) -> None:
    assert normalize_schema_version(raw) == expected


def test_invalid_schema_version_is_a_value_error() -> None:
    assert issubclass(InvalidSchemaVersion, ValueError)


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "\n\t",
        "v",
        "V",
        " v ",
        "latest",
        "LATEST",
        "1.0.0.0",
        "v1.2.3.4",
        "vv1",
        "Vv1.0",
        "v 1",
        "v\t1.0",
        "1!2.0",
        "0!1.0",
        "1.0.0-",
        "1..0",
        ".1",
        "1.0.0 rc1 x",
        "one",
        "1" * 10_000,
        "v" + "1." * 5_000 + "1",
    ],
    ids=repr,
)
def test_rejected_strings_raise_invalid_schema_version(raw: str) -> None:
    with pytest.raises(InvalidSchemaVersion) as exc_info:
        normalize_schema_version(raw)
    message = str(exc_info.value)
    assert "\n" not in message
    # A huge input is shown truncated, never in full.
    assert len(message) < 200


@pytest.mark.parametrize(
    "value",
    [1, 1.0, None, True, False, [], {}, (), b"1.0.0", ["1.0.0"]],
    ids=repr,
)
def test_non_strings_raise_invalid_schema_version(value: object) -> None:
    with pytest.raises(InvalidSchemaVersion, match="must be a string"):
        normalize_schema_version(value)


def test_major_of_reads_the_major_number() -> None:
    assert major_of("1.0.0") == 1
    assert major_of("12.3.4rc1+x") == 12
    assert major_of(normalize_schema_version("v0.9")) == 0


# --- properties ------------------------------------------------------------------------------

# Bounded so that the longest spelling stays within the 64-character cap on schema versions.
_release_numbers = st.integers(min_value=0, max_value=999_999)
_numbers = st.integers(min_value=0, max_value=999)


@st.composite
def version_like(draw: st.DrawFn) -> tuple[str, int]:
    """A PEP 440-ish spelling with 1-3 release parts; returns it and its first release number."""
    release = draw(st.lists(_release_numbers, min_size=1, max_size=3))
    text = ".".join(str(n) for n in release)
    if draw(st.booleans()):
        tag = draw(st.sampled_from(["a", "b", "rc", "A", "B", "RC", "alpha", "beta", "c"]))
        sep = draw(st.sampled_from(["", "-", ".", "_"]))
        num = draw(st.one_of(st.just(""), _numbers.map(str)))
        text += f"{sep}{tag}{num}"
    if draw(st.booleans()):
        fmt = draw(st.sampled_from([".post{}", "post{}", "-post{}", "-{}", ".r{}"]))
        text += fmt.format(draw(_numbers))
    if draw(st.booleans()):
        text += draw(st.sampled_from([".dev", "dev", "-dev", ".DEV"])) + str(draw(_numbers))
    if draw(st.booleans()):
        segments = draw(
            st.lists(
                st.text(alphabet="abcdefxyzABZ0123456789", min_size=1, max_size=5),
                min_size=1,
                max_size=2,
            )
        )
        sep = draw(st.sampled_from([".", "-", "_"]))
        text += "+" + sep.join(segments)
    prefix = draw(st.sampled_from(["", "v", "V"]))
    padding = draw(st.sampled_from(["", " ", "\t", "\n"]))
    return f"{padding}{prefix}{text}{padding}", release[0]


@given(version_like())
def test_normalization_is_idempotent(case: tuple[str, int]) -> None:
    raw, _ = case
    once = normalize_schema_version(raw)
    assert normalize_schema_version(once) == once
    assert _NORMALIZED_PREFIX.match(once)


@given(version_like())
def test_major_of_normalized_is_first_release_number(case: tuple[str, int]) -> None:
    raw, first = case
    assert major_of(normalize_schema_version(raw)) == first


def _outcome(value: str) -> str | type[Exception]:
    try:
        return normalize_schema_version(value)
    except InvalidSchemaVersion:
        return InvalidSchemaVersion


_version_alphabet = st.sampled_from(list("0123456789.+-_!vVabcdeilnoprstv \t"))


@given(
    st.one_of(
        version_like().map(lambda case: case[0].strip()),
        st.text(),
        st.text(alphabet=_version_alphabet, max_size=20),
    )
)
def test_leading_v_is_optional(value: str) -> None:
    assume(not value[:1].isspace() and value[:1] not in ("v", "V"))
    expected = _outcome(value)
    assert _outcome("v" + value) == expected
    assert _outcome("V" + value) == expected


@given(
    st.one_of(
        st.text(),
        st.text(alphabet=_version_alphabet, max_size=20),
        version_like().map(lambda case: case[0]),
    )
)
def test_arbitrary_text_normalizes_or_raises_invalid_schema_version(value: str) -> None:
    try:
        result = normalize_schema_version(value)
    except InvalidSchemaVersion:
        return
    assert isinstance(result, str)
    assert _NORMALIZED_PREFIX.match(result), result
    assert normalize_schema_version(result) == result
