"""Schema versions at their limits: 64 characters, the shown value, and each refusal's words.

The messages are what a user reads in an `invalid-schema-version` finding, so
each one is asserted whole: which rule refused the value, and the value
itself, shown with `repr` and cut after 64 characters.
"""

from __future__ import annotations

import pytest

from opsguard import InvalidSchemaVersion, normalize_schema_version

LOCAL_64 = "1.0.0+" + "a" * 58  # 64 characters


def _refusal(value: object) -> str:
    with pytest.raises(InvalidSchemaVersion) as caught:
        normalize_schema_version(value)
    return str(caught.value)


def test_sixty_four_characters_are_accepted() -> None:
    assert len(LOCAL_64) == 64
    assert normalize_schema_version(LOCAL_64) == LOCAL_64
    # The limit applies after the leading `v` and the surrounding space are stripped.
    assert normalize_schema_version("v" + LOCAL_64) == LOCAL_64
    assert normalize_schema_version("  " + LOCAL_64 + "\t") == LOCAL_64


def test_sixty_five_characters_are_refused_and_shown_cut() -> None:
    value = LOCAL_64 + "a"

    assert _refusal(value) == f"not a schema version: {value[:64] + '...'!r}"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("latest", "not a schema version: 'latest'"),
        ("", "not a schema version: ''"),
        ("  ", "not a schema version: '  '"),
        ("v", "not a schema version: 'v'"),
        ("vv1", "not a schema version: 'vv1'"),
        ("v 1", "not a schema version: 'v 1'"),
        ("x" * 64, f"not a schema version: {'x' * 64!r}"),
        ("1!2.0", "epochs are not allowed in a schema version: '1!2.0'"),
        ("0!1.0", "epochs are not allowed in a schema version: '0!1.0'"),
        ("1.0.0.0", "schema version has more than 3 release parts: '1.0.0.0'"),
        ("v1.2.3.4", "schema version has more than 3 release parts: 'v1.2.3.4'"),
        (1, "schema_version must be a string, got int"),
        (None, "schema_version must be a string, got NoneType"),
        (["1.0.0"], "schema_version must be a string, got list"),
    ],
    ids=repr,
)
def test_each_refusal_says_why(value: object, message: str) -> None:
    assert _refusal(value) == message


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.2.3rc4", "1.2.3rc4"),
        ("1.2a", "1.2.0a0"),
        ("1b3", "1.0.0b3"),
        ("1.2.post0", "1.2.0.post0"),
        ("1.2.dev5", "1.2.0.dev5"),
        ("3+Ubuntu.1", "3.0.0+ubuntu.1"),
        ("0", "0.0.0"),
    ],
)
def test_every_part_of_a_version_is_kept(raw: str, expected: str) -> None:
    assert normalize_schema_version(raw) == expected
