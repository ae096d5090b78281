"""The fault harness on a pipeline's real writers: payload modes, writer shapes, exit 2.

A harness that only tests `writer(path, bytes)` proves nothing about a
pipeline whose writers take records. These tests give it records: a
`save_record(path, record)` on `atomic_write_json` and `RecordStore.write`
must pass, a naive record writer must fail, and a writer that cannot be
called with the chosen shape must be one line and exit 2, not twenty matrix
failures.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from support import load_json, run_opsguard

from opsguard import RecordStore, atomic_write_json, map_score_to_band
from opsguard.catalog import CHECKS, fault_records, key_figure, load_config
from opsguard.core.config import Config
from opsguard.core.errors import OpsguardError
from opsguard.core.result import CheckResult
from opsguard.fault.check import check_fault
from opsguard.fault.payloads import MAX_WRITES, JsonPayload, RecordShape, make_payload
from opsguard.fault.summary import FaultSummary
from opsguard.integrity.settings import INTEGRITY
from opsguard.integrity.validation import RecordValidator

FAULT = next(name for name in CHECKS if CHECKS[name].command == ("fault",))
STRACE = shutil.which("strace")
SHAPE = RecordShape(
    "day",
    "version",
    "readiness",
    "label",
    (("low", 0.0, 33.3), ("mid", 33.3, 66.6), ("high", 66.6, 100.0)),
)
BAND_TOML = """
[fields]
date = "day"
schema_version = "version"
score = "readiness"
band = "label"

[[score.bands]]
name = "low"
min = 0
max = 33.3
[[score.bands]]
name = "mid"
min = 33.3
max = 66.6
[[score.bands]]
name = "high"
min = 66.6
max = 100
"""

WRITERS = """\
import json
import os

from opsguard import RecordStore, atomic_write_json, load_config


def save_record(path, record):
    atomic_write_json(path, record)


def naive_record(path, record):
    open(path, "w").write(json.dumps(record))


def open_store(directory):
    return RecordStore(directory, load_config())


STORE = None


def one_argument(record):
    pass


def not_a_factory(directory):
    return 42


def ignores_its_path(path, record):
    atomic_write_json(os.path.join(os.path.dirname(path), "elsewhere.json"), record)
"""


def save_record(path: str, record: dict[str, Any]) -> None:
    atomic_write_json(path, record)


def naive_record(path: str, record: dict[str, Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(record))


def _config(tmp_path: Path, extra: str = "") -> Config:
    (tmp_path / "opsguard.toml").write_text(extra, encoding="utf-8")
    return load_config(cwd=tmp_path)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A project directory with the writers module and a configuration of its own."""
    (tmp_path / "writers.py").write_text(WRITERS, encoding="utf-8")
    (tmp_path / "opsguard.toml").write_text(BAND_TOML, encoding="utf-8")
    return tmp_path


# --- the payloads: versions and their oracle ---------------------------------------------------


@given(trial=st.integers(-2, 10_000), n=st.integers(0, MAX_WRITES))
def test_every_record_is_valid_for_the_configured_shape_and_recognised(trial: int, n: int) -> None:
    payload = JsonPayload(SHAPE)
    record = payload.version(trial, n)

    assert set(record) == {"day", "version", "readiness", "label"}
    bands = [band for band in SHAPE.bands if band[0] == record["label"]]
    assert bands and bands[0][1] <= record["readiness"] < bands[0][2]
    encoded = orjson.dumps(record, option=orjson.OPT_INDENT_2)
    assert payload.problem(encoded) is None
    # Trial -2 (the matrix's fixed versions) is never written in a crash trial.
    assert (payload.incomplete(encoded, max(trial, -1)) is None) == (trial >= -1)
    assert payload.holds(json.dumps(record, sort_keys=True).encode(), record)


@given(trial=st.integers(-1, 500), n=st.integers(0, MAX_WRITES), data=st.data())
def test_a_cut_record_file_is_never_complete(trial: int, n: int, data: st.DataObject) -> None:
    payload = JsonPayload(SHAPE)
    encoded = json.dumps(payload.version(trial, n), indent=2).encode() + b"\n"
    cut = data.draw(st.integers(0, len(encoded.rstrip()) - 1))

    assert payload.problem(encoded[:cut]) is not None


def test_the_oracle_refuses_records_nobody_wrote() -> None:
    payload = JsonPayload(SHAPE)
    record = payload.version(3, 5)

    assert payload.incomplete(orjson.dumps(record), 2) is not None  # a later trial's
    changed = {**record, "readiness": record["readiness"] + 0.1}
    assert "differs" in str(payload.problem(orjson.dumps(changed)))
    assert payload.problem(b"[]") is not None
    assert payload.problem(b'{"day": "2000-01-01"}') is not None
    # A RecordStore day file holding two versions is complete when both are.
    assert payload.problem(orjson.dumps([record, payload.version(3, 6)])) is None


def test_the_catalog_gives_the_harness_the_integrity_fields_and_bands(tmp_path: Path) -> None:
    config = _config(tmp_path, BAND_TOML)
    shape = fault_records(config)
    payload = JsonPayload(shape)
    validator = RecordValidator(config, 800_000)

    assert (shape.date, shape.score, shape.band) == ("day", "readiness", "label")
    for n in range(0, MAX_WRITES, 97):
        record = payload.version(1, n)
        assert map_score_to_band(record["readiness"], config.bands) == record["label"]
        assert validator.validate(record)[2] == []


def test_text_versions_are_utf8_text_with_non_ascii() -> None:
    payload = make_payload("text", 5)
    version = payload.version(2, 3)

    assert isinstance(version, str) and "日" in version
    encoded = version.encode("utf-8")
    assert payload.problem(encoded) is None
    assert payload.problem(version.encode("latin-1", "replace")) is not None


# --- the harness on record writers -------------------------------------------------------------


def test_save_record_on_atomic_write_json_passes_with_a_json_payload() -> None:
    result = check_fault(save_record, trials=20, seed=3, payload="json", records=SHAPE)

    assert result.status == "pass", [f.message for f in result.findings]
    summary = result.summary
    assert isinstance(summary, FaultSummary)
    assert (summary.payload, summary.target) == ("json", "file")
    assert summary.matrix_failures == 0 and summary.corrupt == 0
    assert summary.negative_control_detected


def test_a_naive_record_writer_fails_with_a_json_payload() -> None:
    result = check_fault(naive_record, trials=20, seed=3, payload="json", records=SHAPE)

    assert result.status == "fail"
    codes = {f.code for f in result.findings}
    assert "matrix-failure" in codes
    assert codes & {"corrupt-after-crash", "torn-read"}


def test_record_store_write_passes_as_a_directory_target(tmp_path: Path) -> None:
    config = _config(tmp_path, BAND_TOML)

    def open_store(directory: Path) -> RecordStore:
        return RecordStore(directory, config)

    result = check_fault(
        open_store,
        trials=20,
        seed=4,
        payload="json",
        target="directory",
        records=fault_records(config),
    )

    assert result.status == "pass", [f.message for f in result.findings]
    assert result.summary["target"] == "directory"


@pytest.mark.skipif(STRACE is None, reason="strace is not installed")
def test_cli_proves_record_store_and_save_record_at_every_syscall(work: Path) -> None:
    for writer, target in (("writers:open_store", "directory"), ("writers:save_record", "file")):
        args = ["fault", "--writer", writer, "--payload", "json", "--target", target]
        proc = run_opsguard([*args, "--trials", "15", "--json", "out.json"], work)

        assert proc.returncode == 0, proc.stdout + proc.stderr
        summary = load_json(work / "out.json")["summary"]
        assert summary["syscall_kill_points"] > 0 and summary["syscall_order_ok"] is True
        assert summary["writer"] == writer


def test_cli_fails_the_naive_record_writer(work: Path) -> None:
    proc = run_opsguard(
        ["fault", "--writer", "writers:naive_record", "--payload", "json", "--trials", "15"],
        work,
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "verdict: FAIL" in proc.stdout


def test_the_configured_writer_payload_and_target_are_used(work: Path) -> None:
    config = BAND_TOML + '[fault]\nwriter = "writers:open_store"\npayload = "json"\n'
    (work / "opsguard.toml").write_text(config + 'target = "directory"\ntrials = 10\n')

    proc = run_opsguard(["fault"], work)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = load_json(work / ".opsguard" / "results" / f"{FAULT}.json")["summary"]
    assert (summary["writer"], summary["payload"], summary["target"]) == (
        "writers:open_store",
        "json",
        "directory",
    )


# --- a writer that cannot be called so is exit 2, one line -------------------------------------


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--writer", "writers:save_record"], "--payload text or --payload json"),
        (["--writer", "writers:one_argument", "--payload", "json"], "fault.target = 'directory'"),
        (["--writer", "writers:save_record", "--target", "directory"], "cannot be called as"),
        (["--writer", "writers:not_a_factory", "--target", "directory"], "int, which is neither"),
        (["--writer", "writers:ignores_its_path", "--payload", "json"], "does not hold"),
        (["--payload", "yaml"], "must be one of bytes, text, json"),
    ],
)
def test_a_writer_that_cannot_be_called_so_is_exit_2_in_one_line(
    work: Path, args: list[str], needle: str
) -> None:
    proc = run_opsguard(["fault", *args, "--trials", "5"], work)

    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr and "matrix" not in proc.stdout


def test_a_bound_store_write_is_refused_with_the_factory_to_write(tmp_path: Path) -> None:
    config = _config(tmp_path, BAND_TOML)
    (tmp_path / "records").mkdir()
    store = RecordStore(tmp_path / "records", config)

    with pytest.raises(OpsguardError, match="name a factory"):
        check_fault(store.write, trials=2, payload="json", target="directory")
    assert os.listdir(tmp_path / "records") == []


# --- what the key figure says ------------------------------------------------------------------


def _figure(writer: str, payload: str = "bytes", target: str = "file") -> str:
    summary = FaultSummary.from_dict(
        {
            "writer": writer,
            "seed": 1,
            "trials": 10,
            "corrupt": 0,
            "bad_reads": 0,
            "reads": 5,
            "orphans_swept": 0,
            "leftovers_removed": 0,
            "writer_errors": 0,
            "matrix_cases": 20,
            "matrix_failures": 0,
            "syscall_kill_points": 0,
            "syscall_kill_missed": 0,
            "syscall_order_ok": None,
            "negative_control_detected": True,
            "negative_control": {"trials": 10, "corrupt": 3, "bad_reads": 0, "reads": 1},
            "skipped": "strace not found",
            "counts": {},
            "reasons": [],
            "payload": payload,
            "target": target,
        }
    )
    return key_figure(CheckResult(check=FAULT, status="pass", summary=summary))


def test_the_key_figure_says_when_it_tested_opsguards_own_writer() -> None:
    assert _figure("opsguard:atomic_write").endswith(
        "writer opsguard:atomic_write (opsguard's own: configure fault.writer to test yours)"
    )
    assert _figure("mypipe.io:save").endswith("writer mypipe.io:save")
    assert _figure("mypipe.io:store", "json", "directory").endswith(
        "writer mypipe.io:store (json payload, factory into a directory)"
    )


def test_a_result_written_before_the_payload_modes_still_reads() -> None:
    old = dict(
        FaultSummary.from_dict(
            {
                **dict.fromkeys(
                    ("seed", "trials", "corrupt", "bad_reads", "reads", "orphans_swept"), 0
                ),
                **dict.fromkeys(
                    ("leftovers_removed", "writer_errors", "matrix_cases", "matrix_failures"), 0
                ),
                "writer": "x:y",
                "syscall_kill_points": 0,
                "syscall_kill_missed": 0,
                "syscall_order_ok": None,
                "negative_control_detected": True,
                "negative_control": {"trials": 1, "corrupt": 1, "bad_reads": 0, "reads": 0},
                "skipped": None,
                "counts": {},
                "reasons": [],
            }
        ).items()
    )
    assert (old["payload"], old["target"]) == ("bytes", "file")


def test_the_fault_guard_stays_below_the_integrity_settings() -> None:
    # The record shape comes from the integrity settings through the catalog.
    assert INTEGRITY.name == "integrity"
    assert CHECKS[FAULT].runner == "opsguard.catalog:run_fault"


def test_fault_help_points_to_the_documentation_url(tmp_path: Path) -> None:
    proc = run_opsguard(["fault", "--help"], tmp_path)

    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "https://github.com/org/opsguard/blob/main/docs/fault.md" in text
    assert "See docs/fault.md" not in text
    for flag in ("--payload {bytes,text,json}", "--target {file,directory}", "--writer VALUE"):
        assert flag in text


def test_opsguard_run_finds_the_configured_writer_in_the_working_directory(work: Path) -> None:
    # The Action runs `opsguard run` in the checkout: the pipeline's module must import there.
    config = BAND_TOML + '[fault]\nwriter = "writers:save_record"\npayload = "json"\ntrials = 5\n'
    (work / "opsguard.toml").write_text(config, encoding="utf-8")

    proc = run_opsguard(["run", "--checks", "fault"], work)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    summary = load_json(work / ".opsguard" / "results" / f"{FAULT}.json")["summary"]
    assert summary["writer"] == "writers:save_record"
