"""Crash trials: SIGKILL a writer at random moments while a reader watches.

Why hand-written: crash-consistency tools (ALICE, CrashMonkey, LazyFS) need
kernel modules, FUSE or root; Jepsen needs a cluster. A process kill is what
a pipeline actually suffers most often (OOM killer, `kill -9`, a CI timeout),
and it can be tested anywhere with `os.fork`: no interpreter start-up per
trial, so hundreds of trials take seconds.

Each trial forks a child that rewrites one target in a loop with complete,
self-checking versions (`fault_versions`) of varying size, sleeps a random
time from a seeded schedule, and SIGKILLs it. A reader in another forked
process reads the target in a tight loop for the whole trial and validates
every read. After the kill the target must be one complete version; temp
files the writer left (opsguard's `TEMP_PATTERN`) are counted and swept into
a quarantine folder with `sweep_orphans`, and anything else left beside the
target is counted and removed.

A `directory` target (a factory's writer that names its own files, such as a
`RecordStore`) starts each trial from the seed record; the child makes its
writer and writes new records, each a file of its own, while the reader
reads every file the writer makes. After the kill every one of them must be
complete, and the trial's records are removed before the next trial.

A kill leaves the page cache intact, so these trials prove atomicity against
process death, not durability against power loss (see docs/fault.md).
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import orjson

from ..core.atomic import TEMP_PATTERN
from ..core.files import printable
from ..core.quarantine import sweep_orphans
from .payloads import make_payload
from .subject import Subject
from .versions import Writer

__all__ = ["MAX_KILL_DELAY_S", "CrashReport", "TrialProblem", "run_crash_trials"]

MAX_KILL_DELAY_S = 0.02  # several writes of every size fit in it, so kills land in all phases
_WRITER_FAILED = 3  # exit status of a writer child whose writer raised
_MAX_WRITER_ERRORS = 3  # a writer that cannot write at all makes more trials pointless


@dataclass(frozen=True, slots=True)
class TrialProblem:
    """Something one trial saw: a corrupt target, torn reads, or a failing writer."""

    trial: int
    kind: Literal["corrupt", "torn", "writer-error"]
    message: str


@dataclass(slots=True)
class CrashReport:
    """Totals over all trials, and the problems in trial order."""

    trials: int = 0
    corrupt: int = 0
    reads: int = 0
    bad_reads: int = 0
    orphans_swept: int = 0
    leftovers: int = 0
    writer_errors: int = 0
    problems: list[TrialProblem] = field(default_factory=list)

    @property
    def detected(self) -> bool:
        """True when the trials saw any corruption (what the negative control needs)."""
        return self.corrupt > 0 or self.bad_reads > 0


def run_crash_trials(
    writer: Writer | Subject, trials: int, seed: int, scratch: Path, *, reader: bool = True
) -> CrashReport:
    """Run `trials` kill trials against `writer` in `scratch` (which must exist and be empty).

    A plain `writer(path, data)` gets the bytes payload of `seed`; a `Subject`
    brings its own payload (made with the same seed) and target.
    """
    subject = (
        writer if isinstance(writer, Subject) else Subject(writer, make_payload("bytes", seed))
    )
    work, quarantine = scratch / "data", scratch / "quarantine"
    work.mkdir()
    _reseed(subject, work)
    # Files the writer keeps beside its outputs (a store's lock file) are not leftovers.
    keep = {name for name in os.listdir(work) if not subject.is_output(name)}
    seeded = set(subject.outputs(work))
    # S311: not cryptographic, a schedule that `--seed` must reproduce.
    schedule = random.Random(f"opsguard-fault-kills:{seed}")  # noqa: S311
    report = CrashReport()
    errors_r, errors_w = os.pipe()
    os.set_blocking(errors_r, False)
    watcher = _Reader(subject, work) if reader else None
    child = 0
    try:
        for trial in range(trials):
            delay = schedule.uniform(0.0, MAX_KILL_DELAY_S)
            if watcher is not None:
                watcher.begin()
            child = _spawn_writer(subject, work, trial, errors_w)
            time.sleep(delay)
            os.kill(child, signal.SIGKILL)
            _, status = os.waitpid(child, 0)
            child = 0
            report.trials += 1
            if watcher is not None:
                reads, bad, first = watcher.end()
                report.reads += reads
                if bad:
                    report.bad_reads += bad
                    report.problems.append(
                        TrialProblem(trial, "torn", f"{bad} of {reads} reads were bad; {first}")
                    )
            if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
                report.writer_errors += 1
                message = _child_failure(status, errors_r)
                report.problems.append(TrialProblem(trial, "writer-error", message))
            problem = _damage(subject, work, trial)
            if problem is not None:
                report.corrupt += 1
                report.problems.append(
                    TrialProblem(trial, "corrupt", f"killed after {delay * 1000:.1f} ms: {problem}")
                )
            _clear_leftovers(subject, work, quarantine, report, keep)
            if problem is not None:
                _reseed(subject, work)  # the next trial starts from a valid state
            elif subject.target == "directory":
                # This trial's records go, so that the next trial's store starts as this one did.
                for name in set(subject.outputs(work)) - seeded:
                    (work / name).unlink(missing_ok=True)
            if report.writer_errors >= _MAX_WRITER_ERRORS:
                break
    finally:
        if child:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(child, signal.SIGKILL)
                os.waitpid(child, 0)
        if watcher is not None:
            watcher.close()
        os.close(errors_r)
        os.close(errors_w)
    return report


def _reseed(subject: Subject, work: Path) -> None:
    """The seed version (-1, 0) as the only output in `work`."""
    for name in subject.outputs(work):
        (work / name).unlink(missing_ok=True)
    subject.seed(work, subject.payload.version(-1, 0))


def _damage(subject: Subject, work: Path, trial: int) -> str | None:
    """Why the writer's files after a kill are not complete versions (None when they are)."""
    outputs = subject.outputs(work)
    if subject.target == "file":
        return subject.payload.incomplete(outputs.get(subject.target_name), trial)
    for name, data in outputs.items():
        problem = subject.payload.incomplete(data, trial)
        if problem is not None:
            return f"{printable(name)}: {problem}"
    return None


def _spawn_writer(subject: Subject, work: Path, trial: int, errors: int) -> int:
    """Fork a child that writes versions (trial, 1), (trial, 2), ... until it is killed."""
    pid = os.fork()
    if pid:
        return pid
    try:
        write = subject.bind(work)  # a factory makes its writer (a store) in the child
        limit = subject.payload.max_writes
        n = 1
        while True:
            if limit is not None and n > limit:
                while True:  # every version this trial may name is written: wait for the kill
                    time.sleep(1)
            write(subject.payload.version(trial, n))
            n += 1
    except BaseException as exc:  # reported to the parent, whatever it is
        with contextlib.suppress(BaseException):
            line = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
            os.write(errors, line.encode("utf-8", "replace") + b"\n")
    finally:
        os._exit(_WRITER_FAILED)


def _child_failure(status: int, errors: int) -> str:
    try:
        said = os.read(errors, 4096).decode("utf-8", "replace").strip().splitlines()
    except BlockingIOError:
        said = []
    if said:
        return f"the writer raised {printable(said[-1])}"
    if os.WIFSIGNALED(status):
        return f"the writer died of signal {os.WTERMSIG(status)} before the kill"
    return f"the writer exited with status {os.waitstatus_to_exitcode(status)} before the kill"


def _clear_leftovers(
    subject: Subject, work: Path, quarantine: Path, report: CrashReport, keep: set[str]
) -> None:
    """Sweep opsguard's orphan temps into the quarantine; remove anything else it left."""
    names = [name for name in os.listdir(work) if not subject.is_output(name) and name not in keep]
    if any(TEMP_PATTERN.match(name) for name in names):
        # The writer is dead and reaped, so every temp is an orphan: no age limit
        # (the clock is nudged so a temp created within this clock tick counts too).
        swept = sweep_orphans(work, 0.0, quarantine, now=time.time() + 1.0)
        report.orphans_swept += len(swept)
    for name in names:
        path = work / name
        if not TEMP_PATTERN.match(name) or os.path.lexists(path):
            report.leftovers += 1
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)


class _Reader:
    """A forked process that reads and validates the target between `begin` and `end`."""

    def __init__(self, subject: Subject, work: Path) -> None:
        control_r, self._control = os.pipe()
        self._results, results_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            try:
                os.close(self._control)
                os.close(self._results)
                _reader_loop(subject, work, control_r, results_w)
            finally:
                os._exit(0)
        self._pid = pid
        os.close(control_r)
        os.close(results_w)

    def begin(self) -> None:
        os.write(self._control, b"g")

    def end(self) -> tuple[int, int, str]:
        """(reads, bad reads, what the first bad read saw) since `begin`."""
        os.write(self._control, b"s")
        line = b""
        while not line.endswith(b"\n"):
            chunk = os.read(self._results, 4096)
            if not chunk:
                raise RuntimeError("the reader process died")
            line += chunk
        tally = orjson.loads(line)
        return int(tally["reads"]), int(tally["bad"]), str(tally["first"])

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._control, b"q")
        os.close(self._control)
        os.close(self._results)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self._pid, 0)


def _reader_loop(subject: Subject, work: Path, control: int, results: int) -> None:
    """Wait for b"g", read and validate in a tight loop until b"s", report; b"q" or EOF ends."""
    while os.read(control, 1) == b"g":
        os.set_blocking(control, False)
        reads = bad = 0
        first = ""
        command = b""
        while True:
            try:
                command = os.read(control, 1)
                break
            except BlockingIOError:
                pass
            problem = _read_problem(subject, work)
            reads += 1
            if problem is not None:
                bad += 1
                first = first or f"first: {problem}"
        os.set_blocking(control, True)
        tally = {"reads": reads, "bad": bad, "first": first[:300]}
        os.write(results, orjson.dumps(tally) + b"\n")
        if command != b"s":
            return


def _read_problem(subject: Subject, work: Path) -> str | None:
    """One read of the writer's files, as a reader would do it: what was wrong, or None."""
    if subject.target == "file":
        try:
            with open(work / subject.target_name, "rb") as fh:
                return subject.payload.problem(fh.read())
        except FileNotFoundError:
            return "target missing"
    for name in os.listdir(work):
        if not subject.is_output(name):
            continue
        try:
            with open(work / name, "rb") as fh:
                problem = subject.payload.problem(fh.read())
        except (FileNotFoundError, IsADirectoryError):
            continue
        if problem is not None:
            return f"{printable(name)}: {problem}"
    return None
