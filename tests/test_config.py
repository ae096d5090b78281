"""Tests for `opsguard.core.config`: discovery, defaults, precedence, validation, bands."""

from __future__ import annotations

import dataclasses
import os
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import BANDS_0_TO_10

from opsguard import (
    DEFAULT_BANDS,
    Config,
    ConfigError,
    OpsguardError,
    ScoreError,
    load_config,
    map_score_to_band,
)
from opsguard.core.config import find_config_file

# --------------------------------------------------------------------------- helpers


def write(path: Path, text: str) -> Path:
    """Write dedented TOML to `path`, creating parent directories."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(cwd: Path, **kwargs: Any) -> Config:
    """`load_config` isolated from the real environment unless `environ` is given."""
    kwargs.setdefault("environ", {})
    return load_config(cwd=cwd, **kwargs)


def config_error(cwd: Path, **kwargs: Any) -> str:
    """Load expecting a ConfigError; return its message after checking it is one line."""
    with pytest.raises(ConfigError) as info:
        load(cwd, **kwargs)
    assert isinstance(info.value, OpsguardError)
    message = str(info.value)
    assert message
    assert "\n" not in message
    return message


def pyproject(directory: Path, body: str) -> Path:
    """A pyproject.toml with a [project] table followed by `body`."""
    return write(
        directory / "pyproject.toml", '[project]\nname = "demo"\n\n' + textwrap.dedent(body)
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project directory (resolved, so it compares equal to config paths)."""
    directory = tmp_path.resolve() / "project"
    directory.mkdir()
    return directory


# --------------------------------------------------------------------------- defaults


def test_config_error_is_an_opsguard_error() -> None:
    assert issubclass(ConfigError, OpsguardError)


def test_defaults_without_any_config_file(project: Path) -> None:
    assert find_config_file(project) is None  # nothing up the tree from tmp
    config = load(project)

    assert config.source is None
    assert config.root == project
    assert config.integrity.threshold == 0.01
    assert config.integrity.window_days == 14
    assert config.integrity.min_records == 1
    assert config.integrity.duplicate_scope == "version"
    assert config.integrity.zero_tolerance == ("band-mismatch", "duplicate", "duplicate-key")
    assert config.paths.records == (project / "data" / "records",)
    assert config.paths.telemetry == (project / "data" / "telemetry",)
    assert config.paths.quarantine == project / "data" / "quarantine"
    assert config.results_dir == project / ".opsguard" / "results"
    assert config.bands == DEFAULT_BANDS
    assert config.fields.date == "date"
    assert config.fields.schema_version == "schema_version"
    assert config.fields.score == "score"
    assert config.fields.band == "band"


def test_threshold_is_a_float(project: Path) -> None:
    write(project / "opsguard.toml", "[integrity]\nthreshold = 1\n")
    threshold = load(project).integrity.threshold
    assert threshold == 1.0
    assert isinstance(threshold, float)


# --------------------------------------------------------------------------- discovery


def test_pyproject_found_from_nested_directory(project: Path) -> None:
    source = pyproject(
        project,
        """\
        [tool.opsguard.integrity]
        threshold = 0.2
        """,
    )
    nested = project / "a" / "b" / "c"
    nested.mkdir(parents=True)

    config = load(nested)

    assert config.source == source
    assert config.root == project
    assert config.integrity.threshold == 0.2


def test_pyproject_without_tool_opsguard_is_passed_over(project: Path) -> None:
    source = pyproject(
        project,
        """\
        [tool.opsguard.integrity]
        window_days = 30
        """,
    )
    inner = project / "packages" / "inner"
    pyproject(
        inner,
        """\
        [tool.ruff]
        line-length = 88
        """,
    )
    cwd = inner / "src"
    cwd.mkdir()

    config = load(cwd)

    assert config.source == source
    assert config.root == project
    assert config.integrity.window_days == 30


def test_opsguard_toml_wins_over_pyproject_in_same_directory(project: Path) -> None:
    pyproject(
        project,
        """\
        [tool.opsguard.integrity]
        threshold = 0.2
        """,
    )
    source = write(
        project / "opsguard.toml",
        """\
        [integrity]
        threshold = 0.3
        """,
    )

    config = load(project)

    assert config.source == source
    assert config.integrity.threshold == 0.3


def test_nearest_config_file_wins(project: Path) -> None:
    write(project / "opsguard.toml", "[integrity]\nthreshold = 0.2\n")
    inner = project / "inner"
    source = pyproject(inner, "[tool.opsguard.integrity]\nthreshold = 0.4\n")

    config = load(inner)

    assert config.source == source
    assert config.integrity.threshold == 0.4


def test_opsguard_toml_uses_top_level_keys(project: Path) -> None:
    write(
        project / "opsguard.toml",
        """\
        results_dir = "out"

        [paths]
        records = ["recs"]

        [integrity]
        min_records = 5
        """,
    )

    config = load(project)

    assert config.results_dir == project / "out"
    assert config.paths.records == (project / "recs",)
    assert config.integrity.min_records == 5


def test_tool_opsguard_prefix_is_unknown_in_opsguard_toml(project: Path) -> None:
    write(
        project / "opsguard.toml",
        """\
        [tool.opsguard.integrity]
        threshold = 0.2
        """,
    )
    message = config_error(project)
    assert "opsguard.toml" in message
    assert "tool" in message


def test_paths_in_file_are_relative_to_the_file_directory(project: Path) -> None:
    pyproject(
        project,
        """\
        [tool.opsguard]
        results_dir = "build/results"

        [tool.opsguard.paths]
        records = ["data/a", "data/b"]
        quarantine = "q"
        """,
    )
    cwd = project / "sub" / "dir"
    cwd.mkdir(parents=True)

    config = load(cwd)

    assert config.root == project
    assert config.results_dir == project / "build" / "results"
    assert config.paths.records == (project / "data" / "a", project / "data" / "b")
    assert config.paths.quarantine == project / "q"
    # Defaults not set in the file are relative to the config root too.
    assert config.paths.telemetry == (project / "data" / "telemetry",)


def test_single_path_string_is_accepted_for_a_path_list(project: Path) -> None:
    write(project / "opsguard.toml", '[paths]\nrecords = "only"\n')
    assert load(project).paths.records == (project / "only",)


def test_absolute_path_in_file_is_kept(project: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path.resolve() / "elsewhere"
    write(project / "opsguard.toml", f'[paths]\nquarantine = "{elsewhere.as_posix()}"\n')
    assert load(project).paths.quarantine == elsewhere


def test_explicit_config_file_absolute(project: Path, tmp_path: Path) -> None:
    # The discovered file would say 0.2; the explicit one says 0.5 and wins.
    write(project / "opsguard.toml", "[integrity]\nthreshold = 0.2\n")
    explicit = write(
        tmp_path.resolve() / "conf" / "ci.toml",
        """\
        [integrity]
        threshold = 0.5

        [paths]
        records = ["recs"]
        """,
    )

    config = load(project, config_file=explicit)

    assert config.source == explicit
    assert config.root == explicit.parent
    assert config.integrity.threshold == 0.5
    assert config.paths.records == (explicit.parent / "recs",)


def test_explicit_config_file_relative_to_cwd(project: Path) -> None:
    explicit = write(project / "conf" / "opsguard-ci.toml", "[integrity]\nwindow_days = 3\n")

    config = load(project, config_file="conf/opsguard-ci.toml")

    assert config.source == explicit
    assert config.integrity.window_days == 3


def test_explicit_pyproject_config_file(project: Path, tmp_path: Path) -> None:
    explicit = pyproject(
        tmp_path.resolve() / "other", "[tool.opsguard.integrity]\nmin_records = 7\n"
    )
    config = load(project, config_file=explicit)
    assert config.source == explicit
    assert config.integrity.min_records == 7


def test_opsguard_config_environment_variable(project: Path, tmp_path: Path) -> None:
    write(project / "opsguard.toml", "[integrity]\nthreshold = 0.2\n")
    named = write(tmp_path.resolve() / "conf" / "env.toml", "[integrity]\nthreshold = 0.7\n")

    config = load(project, environ={"OPSGUARD_CONFIG": str(named)})

    assert config.source == named
    assert config.integrity.threshold == 0.7


def test_explicit_config_file_beats_opsguard_config(project: Path) -> None:
    from_env = write(project / "env.toml", "[integrity]\nthreshold = 0.7\n")
    from_arg = write(project / "arg.toml", "[integrity]\nthreshold = 0.8\n")

    config = load(project, config_file=from_arg, environ={"OPSGUARD_CONFIG": str(from_env)})

    assert config.source == from_arg
    assert config.integrity.threshold == 0.8


def test_missing_explicit_config_file_is_an_error(project: Path) -> None:
    message = config_error(project, config_file="nope.toml")
    assert "nope.toml" in message
    assert "not found" in message


def test_missing_opsguard_config_file_is_an_error(project: Path) -> None:
    message = config_error(project, environ={"OPSGUARD_CONFIG": "missing.toml"})
    assert "missing.toml" in message


def test_explicit_config_file_that_is_a_directory_is_an_error(project: Path) -> None:
    (project / "confdir").mkdir()
    message = config_error(project, config_file="confdir")
    assert "confdir" in message


@pytest.mark.parametrize("name", ["opsguard.toml", "pyproject.toml"])
def test_invalid_toml_names_the_file(project: Path, name: str) -> None:
    write(
        project / name,
        """\
        [tool.opsguard.integrity]
        threshold = = 0.2
        """,
    )
    message = config_error(project)
    assert name in message
    assert "invalid TOML" in message


def test_invalid_toml_in_explicit_file_names_the_file(project: Path) -> None:
    write(project / "broken.toml", "[integrity\nthreshold = 0.2\n")
    message = config_error(project, config_file="broken.toml")
    assert "broken.toml" in message


# --------------------------------------------------------------------------- precedence


def test_threshold_precedence_file_env_override(project: Path) -> None:
    write(project / "opsguard.toml", "[integrity]\nthreshold = 0.2\n")
    env = {"OPSGUARD_INTEGRITY_THRESHOLD": "0.3"}
    override = {"integrity.threshold": 0.4}

    assert load(project).integrity.threshold == 0.2
    assert load(project, environ=env).integrity.threshold == 0.3
    assert load(project, environ=env, overrides=override).integrity.threshold == 0.4
    assert load(project, overrides=override).integrity.threshold == 0.4


def test_window_days_precedence_file_env_override(project: Path) -> None:
    pyproject(project, "[tool.opsguard.integrity]\nwindow_days = 7\n")
    env = {"OPSGUARD_INTEGRITY_WINDOW_DAYS": " 21 "}
    override = {"integrity.window_days": 28}

    assert load(project).integrity.window_days == 7
    assert load(project, environ=env).integrity.window_days == 21
    assert load(project, environ=env, overrides=override).integrity.window_days == 28


def test_results_dir_precedence_and_relative_bases(project: Path) -> None:
    write(project / "opsguard.toml", 'results_dir = "file-results"\n')
    cwd = project / "work"
    cwd.mkdir()
    env = {"OPSGUARD_RESULTS_DIR": "env-results"}
    override = {"results_dir": Path("flag-results")}

    # File paths are relative to the file; env and flag paths to the cwd.
    assert load(cwd).results_dir == project / "file-results"
    assert load(cwd, environ=env).results_dir == cwd / "env-results"
    assert load(cwd, environ=env, overrides=override).results_dir == cwd / "flag-results"


def test_records_precedence_and_relative_bases(project: Path) -> None:
    write(project / "opsguard.toml", '[paths]\nrecords = ["file-records"]\n')
    cwd = project / "work"
    cwd.mkdir()
    env = {"OPSGUARD_PATHS_RECORDS": os.pathsep.join(["env-a", "env-b"])}
    override = {"paths.records": ["flag-records"]}

    assert load(cwd).paths.records == (project / "file-records",)
    assert load(cwd, environ=env).paths.records == (cwd / "env-a", cwd / "env-b")
    assert load(cwd, environ=env, overrides=override).paths.records == (cwd / "flag-records",)


def test_none_override_leaves_lower_layers_alone(project: Path) -> None:
    write(project / "opsguard.toml", "[integrity]\nthreshold = 0.2\n")
    config = load(
        project,
        environ={"OPSGUARD_INTEGRITY_MIN_RECORDS": "3"},
        overrides={"integrity.threshold": None, "integrity.min_records": None},
    )
    assert config.integrity.threshold == 0.2
    assert config.integrity.min_records == 3


def test_env_zero_tolerance_is_comma_separated(project: Path) -> None:
    config = load(project, environ={"OPSGUARD_INTEGRITY_ZERO_TOLERANCE": "no-records, duplicate"})
    assert config.integrity.zero_tolerance == ("no-records", "duplicate")


def test_env_duplicate_scope(project: Path) -> None:
    config = load(project, environ={"OPSGUARD_INTEGRITY_DUPLICATE_SCOPE": "major"})
    assert config.integrity.duplicate_scope == "major"


def test_unknown_override_key_is_an_error(project: Path) -> None:
    message = config_error(project, overrides={"integrity.treshold": 0.5})
    assert "integrity.treshold" in message


# --------------------------------------------------------------------------- unknown names


def test_unknown_key_in_section_suggests_closest(project: Path) -> None:
    pyproject(project, "[tool.opsguard.integrity]\nthreshhold = 0.2\n")
    message = config_error(project)
    assert "pyproject.toml" in message
    assert "integrity.threshhold" in message
    assert "did you mean 'threshold'" in message


def test_unknown_section_suggests_closest(project: Path) -> None:
    pyproject(project, "[tool.opsguard.integrty]\nthreshold = 0.2\n")
    message = config_error(project)
    assert "integrty" in message
    assert "did you mean 'integrity'" in message


def test_unknown_key_in_opsguard_toml_suggests_closest(project: Path) -> None:
    write(project / "opsguard.toml", '[paths]\nrecord = ["x"]\n')
    message = config_error(project)
    assert "opsguard.toml" in message
    assert "paths.record" in message
    assert "did you mean 'records'" in message


def test_section_that_is_not_a_table_is_an_error(project: Path) -> None:
    write(project / "opsguard.toml", "integrity = 0.2\n")
    message = config_error(project)
    assert "integrity" in message
    assert "table" in message


def test_unknown_environment_variable_suggests_closest(project: Path) -> None:
    message = config_error(project, environ={"OPSGUARD_INTEGRITY_TRESHOLD": "0.2"})
    assert "OPSGUARD_INTEGRITY_TRESHOLD" in message
    assert "did you mean 'OPSGUARD_INTEGRITY_THRESHOLD'" in message


@pytest.mark.parametrize("name", ["OPSGUARD_DEBUG", "OPSGUARD_CONFIG"])
def test_reserved_environment_variables_are_not_errors(project: Path, name: str) -> None:
    write(project / "opsguard.toml", "[integrity]\nthreshold = 0.2\n")
    value = "1" if name == "OPSGUARD_DEBUG" else "opsguard.toml"
    config = load(project, environ={name: value})
    assert config.integrity.threshold == 0.2


def test_unrelated_environment_variables_are_ignored(project: Path) -> None:
    config = load(project, environ={"PATH": "/bin", "OPSGUARDX": "1", "HOME": "/root"})
    assert config.integrity.threshold == 0.01


# --------------------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            '[tool.opsguard.integrity]\nthreshold = "0.5"\n',
            ["integrity.threshold", "expected a finite number"],
            id="threshold-string",
        ),
        pytest.param(
            "[tool.opsguard.integrity]\nthreshold = 0\n",
            ["integrity.threshold", "(0, 1]"],
            id="threshold-zero",
        ),
        pytest.param(
            "[tool.opsguard.integrity]\nthreshold = 1.5\n",
            ["integrity.threshold", "(0, 1]"],
            id="threshold-above-one",
        ),
        pytest.param(
            "[tool.opsguard.integrity]\nthreshold = true\n",
            ["integrity.threshold", "True"],
            id="threshold-bool",
        ),
        pytest.param(
            "[tool.opsguard.integrity]\nthreshold = nan\n",
            ["integrity.threshold", "finite"],
            id="threshold-nan",
        ),
        pytest.param(
            "[tool.opsguard.integrity]\nwindow_days = 0\n",
            ["integrity.window_days", "positive integer"],
            id="window-days-zero",
        ),
        pytest.param(
            "[tool.opsguard.integrity]\nwindow_days = 1.5\n",
            ["integrity.window_days", "integer"],
            id="window-days-float",
        ),
        pytest.param(
            "[tool.opsguard.integrity]\nmin_records = -1\n",
            ["integrity.min_records", "at least 0"],
            id="min-records-negative",
        ),
        pytest.param(
            '[tool.opsguard.integrity]\nduplicate_scope = "dates"\n',
            ["integrity.duplicate_scope", "did you mean 'date'"],
            id="duplicate-scope-typo",
        ),
        pytest.param(
            '[tool.opsguard.integrity]\nzero_tolerance = ["band-mismatch", "duplicat"]\n',
            ["integrity.zero_tolerance", "'duplicat'", "did you mean 'duplicate'"],
            id="zero-tolerance-unknown-code",
        ),
        pytest.param(
            '[tool.opsguard.integrity]\nzero_tolerance = "duplicate"\n',
            ["integrity.zero_tolerance", "list of strings"],
            id="zero-tolerance-not-a-list",
        ),
        pytest.param(
            "[tool.opsguard.paths]\nrecords = []\n",
            ["paths.records"],
            id="records-empty-list",
        ),
        pytest.param(
            '[tool.opsguard.paths]\nrecords = [""]\n',
            ["paths.records"],
            id="records-empty-string",
        ),
        pytest.param(
            "[tool.opsguard.paths]\nquarantine = 3\n",
            ["paths.quarantine"],
            id="quarantine-not-a-string",
        ),
        pytest.param(
            '[tool.opsguard]\nresults_dir = ""\n',
            ["results_dir"],
            id="results-dir-empty",
        ),
        pytest.param(
            '[tool.opsguard.fields]\ndate = ""\n',
            ["fields.date"],
            id="field-name-empty",
        ),
    ],
)
def test_bad_value_in_file_names_file_and_key(
    project: Path, body: str, expected: list[str]
) -> None:
    pyproject(project, body)
    message = config_error(project)
    assert "pyproject.toml" in message
    for fragment in expected:
        assert fragment in message


def test_fields_naming_the_same_field_twice(project: Path) -> None:
    write(project / "opsguard.toml", '[fields]\nscore = "band"\n')
    message = config_error(project)
    assert "fields" in message
    assert "different" in message


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        pytest.param("OPSGUARD_INTEGRITY_THRESHOLD", "abc", "expected a number", id="threshold"),
        pytest.param("OPSGUARD_INTEGRITY_THRESHOLD", "2", "(0, 1]", id="threshold-range"),
        pytest.param("OPSGUARD_INTEGRITY_THRESHOLD", "nan", "finite", id="threshold-nan"),
        pytest.param("OPSGUARD_INTEGRITY_WINDOW_DAYS", "1.5", "integer", id="window-days"),
        pytest.param("OPSGUARD_INTEGRITY_MIN_RECORDS", "-2", "at least 0", id="min-records"),
        pytest.param("OPSGUARD_PATHS_RECORDS", os.pathsep, "non-empty", id="records-empty"),
        pytest.param(
            "OPSGUARD_INTEGRITY_ZERO_TOLERANCE", "duplicat", "did you mean", id="zero-tolerance"
        ),
    ],
)
def test_bad_environment_value_names_the_variable(
    project: Path, name: str, value: str, expected: str
) -> None:
    message = config_error(project, environ={name: value})
    assert name in message
    assert expected in message


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"integrity.threshold": 0.0}, "threshold", id="threshold-zero"),
        pytest.param({"integrity.threshold": True}, "threshold", id="threshold-bool"),
        pytest.param({"integrity.window_days": 0}, "window-days", id="window-days"),
        pytest.param({"integrity.duplicate_scope": "dates"}, "'date'", id="duplicate-scope"),
    ],
)
def test_bad_override_value_names_the_flag(
    project: Path, overrides: dict[str, Any], expected: str
) -> None:
    message = config_error(project, overrides=overrides)
    assert expected in message


# --------------------------------------------------------------------------- bands


def test_custom_bands_load_and_drive_map_score_to_band(project: Path) -> None:
    pyproject(project, BANDS_0_TO_10)

    config = load(project)

    assert config.bands.names == ("low", "mid", "high")
    assert config.bands.score_min == 0.0
    assert config.bands.score_max == 10.0
    assert map_score_to_band(0, config.bands) == "low"
    assert map_score_to_band(2.99, config.bands) == "low"
    assert map_score_to_band(3, config.bands) == "mid"
    assert map_score_to_band(7, config.bands) == "high"
    assert map_score_to_band(10, config.bands) == "high"
    with pytest.raises(ScoreError):
        map_score_to_band(10.5, config.bands)


def test_custom_bands_out_of_order_are_sorted(project: Path) -> None:
    write(
        project / "opsguard.toml",
        """\
        [score]
        min = 0
        max = 10

        [[score.bands]]
        name = "high"
        min = 7
        max = 10

        [[score.bands]]
        name = "low"
        min = 0
        max = 3

        [[score.bands]]
        name = "mid"
        min = 3
        max = 7
        """,
    )

    config = load(project)

    assert config.bands.names == ("low", "mid", "high")
    assert map_score_to_band(5, config.bands) == "mid"


def test_custom_bands_over_default_score_range(project: Path) -> None:
    write(
        project / "opsguard.toml",
        """\
        [[score.bands]]
        name = "fail"
        min = 0
        max = 50

        [[score.bands]]
        name = "pass"
        min = 50
        max = 100
        """,
    )
    config = load(project)
    assert config.bands.names == ("fail", "pass")
    assert map_score_to_band(100, config.bands) == "pass"


def _band_table(*bands: tuple[str, int, int]) -> str:
    """A pyproject body with score range 0..10 and one band table per (name, min, max)."""
    tables = "".join(
        f"""
        [[tool.opsguard.score.bands]]
        name = "{name}"
        min = {low}
        max = {high}
        """
        for name, low, high in bands
    )
    return textwrap.dedent(
        """\
        [tool.opsguard.score]
        min = 0
        max = 10
        """
    ) + textwrap.dedent(tables)


BAND_WITH_UNKNOWN_KEY = """\
    [tool.opsguard.score]
    min = 0
    max = 10

    [[tool.opsguard.score.bands]]
    nme = "all"
    min = 0
    max = 10
    """

BAND_MISSING_MAX = """\
    [tool.opsguard.score]
    min = 0
    max = 10

    [[tool.opsguard.score.bands]]
    name = "all"
    min = 0
    """

BAND_WITH_STRING_BOUND = """\
    [tool.opsguard.score]
    min = 0
    max = 10

    [[tool.opsguard.score.bands]]
    name = "all"
    min = "0"
    max = 10
    """


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(_band_table(("low", 0, 3), ("high", 4, 10)), "gap", id="gap"),
        pytest.param(_band_table(("low", 0, 5), ("high", 4, 10)), "overlap", id="overlap"),
        pytest.param(_band_table(("low", 0, 5), ("low", 5, 10)), "used twice", id="duplicate-name"),
        pytest.param(
            _band_table(("low", 0, 5), ("high", 5, 9)), "ends at", id="short-of-score-max"
        ),
        pytest.param(
            _band_table(("low", 1, 5), ("high", 5, 10)), "start at", id="short-of-score-min"
        ),
        pytest.param(_band_table(("", 0, 10)), "name", id="empty-name"),
        pytest.param(BAND_WITH_UNKNOWN_KEY, "did you mean 'name'", id="unknown-key"),
        pytest.param(BAND_MISSING_MAX, "missing max", id="missing-max"),
        pytest.param(BAND_WITH_STRING_BOUND, "expected a number", id="string-bound"),
        pytest.param("[tool.opsguard.score]\nbands = []\n", "empty", id="no-bands"),
        pytest.param(
            "[tool.opsguard.score]\nmax = 10\n",
            "ends at",
            id="default-bands-do-not-fit-score-max",
        ),
    ],
)
def test_bad_band_table_names_the_origin(project: Path, body: str, expected: str) -> None:
    pyproject(project, body)
    message = config_error(project)
    assert "pyproject.toml" in message
    assert "tool.opsguard.score" in message
    assert expected in message


# --------------------------------------------------------------------------- fields


def test_fields_renaming(project: Path) -> None:
    pyproject(
        project,
        """\
        [tool.opsguard.fields]
        date = "day"
        score = "readiness"
        """,
    )

    fields = load(project).fields

    assert fields.date == "day"
    assert fields.score == "readiness"
    assert fields.schema_version == "schema_version"
    assert fields.band == "band"


def test_fields_renaming_from_environment(project: Path) -> None:
    config = load(project, environ={"OPSGUARD_FIELDS_SCHEMA_VERSION": "version"})
    assert config.fields.schema_version == "version"


# --------------------------------------------------------------------------- immutability


@pytest.mark.parametrize(
    ("part", "attribute", "value"),
    [
        pytest.param("config", "results_dir", Path("x"), id="config"),
        pytest.param("integrity", "threshold", 0.5, id="integrity"),
        pytest.param("paths", "quarantine", Path("x"), id="paths"),
        pytest.param("fields", "date", "day", id="fields"),
        pytest.param("bands", "score_max", 10.0, id="bands"),
    ],
)
def test_config_and_parts_are_frozen(
    project: Path, part: str, attribute: str, value: object
) -> None:
    config = load(project)
    target = config if part == "config" else getattr(config, part)
    before = getattr(target, attribute)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(target, attribute, value)
    assert getattr(target, attribute) == before


# --------------------------------------------------------------------------- known src bugs
# These tests fail against the current src/opsguard/config.py; see the report.


def test_band_entry_error_names_its_origin_once(project: Path) -> None:
    # _convert_bands already prefixes "<file>: <key>[i]"; _build's `except ConfigError`
    # around BandTable.build re-prefixes it, giving
    # "pyproject.toml: tool.opsguard.score.bands: pyproject.toml: tool.opsguard.score.bands[0]: ..."
    pyproject(project, BAND_WITH_UNKNOWN_KEY)
    message = config_error(project)
    assert message.count("pyproject.toml") == 1


def test_bad_score_min_is_attributed_to_score_min(project: Path) -> None:
    # A bad score.min is reported under score.bands when bands are also set,
    # because _build wraps get("score", "min") in the band-table error handler.
    pyproject(
        project,
        """\
        [tool.opsguard.score]
        min = "zero"

        [[tool.opsguard.score.bands]]
        name = "all"
        min = 0
        max = 100
        """,
    )
    message = config_error(project)
    assert "tool.opsguard.score.min" in message
    assert "score.bands" not in message


def test_override_paths_accepts_a_list_of_path_objects(project: Path) -> None:
    # A single Path override is converted to str, but a list of Path (what argparse
    # produces with type=Path, nargs="*") is rejected as "every path must be a
    # non-empty string".
    config = load(project, overrides={"paths.records": [Path("a"), Path("b")]})
    assert config.paths.records == (project / "a", project / "b")


def test_duplicate_fields_error_names_where_it_came_from(project: Path) -> None:
    # The module promises every bad value names where it came from; this message
    # says only "fields: ...", not the file (or environment variable) responsible.
    write(project / "opsguard.toml", '[fields]\nscore = "band"\n')
    message = config_error(project)
    assert "opsguard.toml" in message


# --------------------------------------------------------------------------- privacy section


def test_privacy_defaults(project: Path) -> None:
    privacy = load(project).privacy
    assert privacy.mode == "denylist"
    assert dict(privacy.deny) == {} and privacy.allow == () and privacy.suppressions == ()


def test_privacy_section_loads(project: Path) -> None:
    pyproject(
        project,
        """
        [tool.opsguard.privacy]
        mode = "allowlist"
        allow = ["ts", "payload.*", "**.status"]
        deny = { raw-metric = ["readinessScore"], pii = ["patientId"] }
        replace_defaults = ["secret"]
        safe_keys = ["heartbeat"]

        [[tool.opsguard.privacy.suppressions]]
        key = "payload.debug.*"
        reason = "legacy debug dump"
        expires = 2026-03-01

        [[tool.opsguard.privacy.suppressions]]
        file = "telemetry/legacy-*.log"
        reason = "old format"
        expires = "2026-04-01"
        """,
    )
    privacy = load(project).privacy
    assert privacy.mode == "allowlist"
    assert privacy.allow == ("ts", "payload.*", "**.status")
    assert privacy.deny["raw-metric"] == ("readinessScore",)
    assert privacy.replace_defaults == ("secret",)
    first, second = privacy.suppressions
    assert (first.key, first.file, first.expires.isoformat()) == (
        "payload.debug.*",
        None,
        "2026-03-01",
    )
    assert (second.key, second.file, second.expires.isoformat()) == (
        None,
        "telemetry/legacy-*.log",
        "2026-04-01",
    )


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ('mode = "allowlst"', ["privacy.mode", "did you mean 'allowlist'"]),
        ('mode = "allowlist"', ["allowlist mode needs"]),
        ('deny = { raw-metrics = ["x"] }', ["deny", "did you mean 'raw-metric'"]),
        ('deny = { pii = "x" }', ["deny.pii", "list of non-empty strings"]),
        ('replace_defaults = ["secrets"]', ["did you mean 'secret'"]),
        (
            'suppressions = [{ key = "a", reason = "r" }]',
            ["suppressions[0]", "expiry date"],
        ),
        (
            'suppressions = [{ key = "a", expires = 2026-01-01 }]',
            ["suppressions[0]", "reason"],
        ),
        (
            'suppressions = [{ key = "a", file = "b", reason = "r", expires = 2026-01-01 }]',
            ["exactly one of key"],
        ),
        (
            'suppressions = [{ kye = "a", reason = "r", expires = 2026-01-01 }]',
            ["did you mean 'key'"],
        ),
        (
            'suppressions = [{ key = "a", reason = "r", expires = "soon" }]',
            ["expires", "YYYY-MM-DD"],
        ),
    ],
)
def test_privacy_errors(project: Path, body: str, fragments: list[str]) -> None:
    pyproject(project, f"[tool.opsguard.privacy]\n{body}\n")
    message = config_error(project)
    assert "pyproject.toml" in message
    for fragment in fragments:
        assert fragment in message


# --------------------------------------------------------------------------- retention section


def test_retention_defaults_and_roots(project: Path) -> None:
    config = load(project)
    retention = config.retention
    assert retention.days == 30 and retention.age_from == "mtime"
    assert retention.protect == (".gitkeep", "README*")
    assert retention.now is None
    roots = retention.roots(config.paths)
    assert [(r.path, r.days) for r in roots] == [
        (project / "data/telemetry", 30),
        (project / "data/quarantine", 30),
    ]


def test_retention_section_loads_with_per_root_days(project: Path) -> None:
    pyproject(
        project,
        """
        [tool.opsguard.retention]
        days = 10
        quarantine_days = 90
        age_from = "name"
        now = 2025-08-20T00:00:00Z
        extra_roots = [{ path = "logs", days = 3 }, { path = "cache" }]
        """,
    )
    config = load(project)
    roots = config.retention.roots(config.paths)
    assert [(r.path.name, r.days) for r in roots] == [
        ("telemetry", 10),
        ("quarantine", 90),
        ("logs", 3),
        ("cache", 10),
    ]
    assert config.retention.now is not None
    assert config.retention.now.isoformat() == "2025-08-20T00:00:00+00:00"


def test_retention_days_env_overrides_default_not_explicit_roots(project: Path) -> None:
    pyproject(project, "[tool.opsguard.retention]\ndays = 10\nquarantine_days = 90\n")
    config = load(project, environ={"RETENTION_DAYS": "7"})
    assert [r.days for r in config.retention.roots(config.paths)] == [7, 90]


def test_opsguard_retention_days_env_wins_over_the_alias(project: Path) -> None:
    config = load(project, environ={"RETENTION_DAYS": "7", "OPSGUARD_RETENTION_DAYS": "5"})
    assert config.retention.days == 5


@pytest.mark.parametrize("raw", ["0", "-3", "1.5", "abc", ""])
def test_retention_days_env_must_be_a_positive_integer(project: Path, raw: str) -> None:
    message = config_error(project, environ={"RETENTION_DAYS": raw})
    assert "RETENTION_DAYS" in message


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("days = 0", "positive integer"),
        ("max_delete_fraction = 1.5", "fraction"),
        ('age_from = "ctime"', "must be one of mtime, name"),
        ('now = "yesterday"', "ISO 8601"),
        ('now = "2025-08-20T00:00:00"', "time zone"),
        ('extra_roots = [{ path = "x", days = 0 }]', "positive integer"),
        ('extra_roots = [{ pth = "x" }]', "did you mean 'path'"),
    ],
)
def test_retention_errors(project: Path, body: str, fragment: str) -> None:
    pyproject(project, f"[tool.opsguard.retention]\n{body}\n")
    assert fragment in config_error(project)
