"""`load_config` says which file it used, and warns when it used none.

A cron job started in `/` must not silently read `/data/records`: the library
warns (`ConfigWarning`, naming the resolved default paths), and the command
line says so on stderr whenever a command reads the configured paths without
a file. `--verbose` names the file.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest
from support import run_opsguard

from opsguard.catalog import load_config
from opsguard.core.config import ConfigWarning, no_file_warning, source_line

CONFIG = '[paths]\nrecords = ["r"]\ntelemetry = ["t"]\nquarantine = "q"\n'


def test_without_a_file_the_library_warns_with_the_resolved_default_paths(
    tmp_path: Path,
) -> None:
    with pytest.warns(ConfigWarning) as caught:
        config = load_config(cwd=tmp_path, environ={})

    assert config.source is None
    (warning,) = caught
    text = str(warning.message)
    assert f"in {tmp_path} or above" in text
    assert f"records {tmp_path}/data/records" in text
    assert f"quarantine {tmp_path}/data/quarantine" in text
    # The band table a library caller gets is the default one, under the same warning.
    assert config.bands.names == ("poor", "fair", "good", "excellent")


def test_a_path_given_another_way_is_not_called_a_default(tmp_path: Path) -> None:
    with pytest.warns(ConfigWarning) as caught:
        load_config(cwd=tmp_path, environ={"OPSGUARD_PATHS_RECORDS": "mine"})

    text = str(caught[0].message)
    assert "records" not in text
    assert f"telemetry {tmp_path}/data/telemetry" in text


def test_with_a_file_it_is_named_and_nothing_warns(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / "opsguard.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "sub").mkdir()

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with caplog.at_level(logging.INFO, logger="opsguard"):
            config = load_config(cwd=tmp_path / "sub", environ={})

    assert config.source == tmp_path / "opsguard.toml"
    assert no_file_warning(config) is None
    assert source_line(config) == f"using {tmp_path / 'opsguard.toml'}"
    assert f"opsguard: using {tmp_path / 'opsguard.toml'}" in caplog.messages


def test_warn_false_leaves_the_saying_to_the_caller(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = load_config(cwd=tmp_path, environ={}, warn=False)

    assert no_file_warning(config) is not None


def test_the_cli_warns_on_stderr_when_a_command_reads_default_paths(tmp_path: Path) -> None:
    (tmp_path / "data" / "records").mkdir(parents=True)

    proc = run_opsguard(["integrity", "--min-records", "0"], tmp_path)

    lines = proc.stderr.splitlines()
    assert lines[0] == (
        "opsguard: warning: no configuration file (opsguard.toml, or pyproject.toml with "
        f"[tool.opsguard]) in {tmp_path} or above: using the defaults (records "
        f"{tmp_path}/data/records; telemetry {tmp_path}/data/telemetry; quarantine "
        f"{tmp_path}/data/quarantine)"
    )
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["integrity", "given"],  # the paths are named: no default is read
        ["privacy", "--self-test"],  # the canary scans its own files
        ["gate"],  # reads results, not data
    ],
)
def test_the_cli_is_quiet_when_no_default_path_is_read(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / "given").mkdir()

    proc = run_opsguard(args, tmp_path)

    assert "no configuration file" not in proc.stderr


def test_verbose_names_the_file_and_stays_quiet_otherwise(tmp_path: Path) -> None:
    (tmp_path / "opsguard.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "r").mkdir()

    loud = run_opsguard(["integrity", "--min-records", "0", "--verbose"], tmp_path)
    quiet = run_opsguard(["integrity", "--min-records", "0"], tmp_path)

    assert loud.stderr == f"opsguard: using {tmp_path / 'opsguard.toml'}\n"
    assert quiet.stderr == ""
    assert loud.returncode == quiet.returncode


def test_retention_keeps_its_own_verbose_and_says_the_file_too(tmp_path: Path) -> None:
    (tmp_path / "opsguard.toml").write_text(CONFIG, encoding="utf-8")
    for name in ("t", "q"):
        (tmp_path / name).mkdir()

    proc = run_opsguard(["retention", "--verbose"], tmp_path)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr.splitlines()[0] == f"opsguard: using {tmp_path / 'opsguard.toml'}"


def test_no_warning_when_every_path_is_named_another_way(tmp_path: Path) -> None:
    environ = {
        "OPSGUARD_PATHS_RECORDS": "r",
        "OPSGUARD_PATHS_TELEMETRY": "t",
        "OPSGUARD_PATHS_QUARANTINE": "q",
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        config = load_config(cwd=tmp_path, environ=environ)

    assert config.source is None
    assert config.origin("paths.records") == "environment variable OPSGUARD_PATHS_RECORDS"
    assert source_line(config) == f"using no configuration file (none in {tmp_path} or above)"
