"""Retention's configuration keys: per-root age basis, the quarantine's own basis."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from opsguard import ConfigError, load_config
from opsguard.catalog import SETTINGS, code_help
from opsguard.core.config import Config, env_names
from opsguard.retention.codes import RETENTION_CODES
from opsguard.retention.settings import RETENTION, RetentionRoot

ENV_VARS = env_names(SETTINGS)


def load(directory: Path, body: str = "", **environ: str) -> Config:
    (directory / "pyproject.toml").write_text(
        '[project]\nname = "demo"\n\n[tool.opsguard]\n' + textwrap.dedent(body),
        encoding="utf-8",
    )
    return load_config(cwd=directory, environ=environ)


def roots(config: Config) -> list[tuple[str, int, str]]:
    return [(r.path.name, r.days, r.age_from) for r in config.retention.roots(config.paths)]


def test_defaults_age_everything_by_mtime(tmp_path: Path) -> None:
    config = load(tmp_path)
    assert config.retention.quarantine_age_from == "mtime"
    assert roots(config) == [("telemetry", 30, "mtime"), ("quarantine", 30, "mtime")]
    assert RetentionRoot(tmp_path, 3).age_from == "mtime"


def test_age_from_name_leaves_the_quarantine_on_mtime(tmp_path: Path) -> None:
    config = load(tmp_path, '[tool.opsguard.retention]\nage_from = "name"\n')
    assert roots(config) == [("telemetry", 30, "name"), ("quarantine", 30, "mtime")]


def test_quarantine_age_from_and_extra_roots(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        """
        [tool.opsguard.retention]
        days = 10
        age_from = "name"
        quarantine_age_from = "name"
        extra_roots = [
            { path = "logs", days = 3, age_from = "mtime" },
            { path = "cache" },
        ]
        """,
    )
    assert roots(config) == [
        ("telemetry", 10, "name"),
        ("quarantine", 10, "name"),
        ("logs", 3, "mtime"),
        ("cache", 10, "name"),
    ]


def test_the_environment_sets_the_quarantine_basis(tmp_path: Path) -> None:
    assert "OPSGUARD_RETENTION_QUARANTINE_AGE_FROM" in ENV_VARS
    config = load(tmp_path, OPSGUARD_RETENTION_QUARANTINE_AGE_FROM="name")
    assert config.retention.quarantine_age_from == "name"


def test_the_command_line_age_from_overrides_the_file(tmp_path: Path) -> None:
    (tmp_path / "opsguard.toml").write_text('[retention]\nage_from = "name"\n', encoding="utf-8")
    config = load_config(cwd=tmp_path, environ={}, overrides={"retention.age_from": "mtime"})
    assert config.retention.age_from == "mtime"


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ('quarantine_age_from = "ctime"', ["quarantine_age_from", "must be one of mtime, name"]),
        ('quarantine_age_from = ""', ["quarantine_age_from", "must be one of mtime, name"]),
        ('extra_roots = [{ path = "x", age_from = "nam" }]', ["age_from", "did you mean 'name'"]),
        ('extra_roots = [{ path = "x", age_fro = "name" }]', ["did you mean 'age_from'"]),
        ('quarantine_agefrom = "name"', ["did you mean 'quarantine_age_from'"]),
    ],
)
def test_errors_name_the_key(tmp_path: Path, body: str, fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, f"[tool.opsguard.retention]\n{body}\n")
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message


def test_the_repository_pins_the_retention_demo(repo: Path) -> None:
    config = load_config(cwd=repo, environ={})
    retention = config.retention
    assert retention.now is not None and retention.now.isoformat() == "2025-08-15T00:00:00+00:00"
    assert [
        (r.path.relative_to(repo).as_posix(), r.days, r.age_from) for r in roots_of(config)
    ] == [
        ("fixtures/sample/telemetry", 30, "name"),
        ("fixtures/sample/quarantine", 30, "mtime"),
    ]


def roots_of(config: Config) -> tuple[RetentionRoot, ...]:
    return RETENTION.of(config).roots(config.paths)


def test_every_retention_code_is_documented_and_has_help(repo: Path) -> None:
    doc = (repo / "docs" / "retention.md").read_text(encoding="utf-8")
    for code in RETENTION_CODES:
        assert f"| `{code}` |" in doc, f"{code} is not documented"
        assert code_help("retention", code) == RETENTION_CODES[code]
        assert code == code.lower() and " " not in code
