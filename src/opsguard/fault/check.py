"""The atomic-write fault harness: prove a writer crash-safe, or show how it is not.

Hand-written because no library does this: crash-consistency research tools
(ALICE, CrashMonkey, LazyFS) need kernel modules, FUSE or root, and the
atomic-write libraries ship no fault tests a user could run against their own
writer. This check takes any `writer(path, data)` (opsguard's `atomic_write`
by default), or a factory of writers that name their own files (a
`RecordStore`), with a payload of bytes, text or JSON records (`subject.py`,
`payloads.py`; a writer that cannot be called so is exit 2 before anything
runs), and runs four parts over it, each in its own module:

1. the error matrix (`fault_matrix`): ENOSPC, EIO, EDQUOT and EACCES injected
   into open, write, fsync, replace and the directory fsync;
2. crash trials (`fault_crash`): a forked writer SIGKILLed at random moments
   while a forked reader validates every read;
3. kill at every syscall (`fault_syscall`): strace kills one write before each
   of its system calls in turn, and checks the calls' order (skipped, not
   failed, where strace is not installed);
4. a negative control: the crash trials against `naive_write`, with the same
   payload, which must be caught. A harness that cannot see corruption would
   pass every writer.

Limits (docs/fault.md): a SIGKILL keeps the page cache, so this proves
atomicity against process death, not durability against power loss; that
needs a VM or a FUSE file system that drops unsynced data.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..core.config import Config
from ..core.errors import OpsguardError
from ..core.files import printable
from ..core.result import CheckResult, Finding, Severity
from ..core.runs import RunOptions
from .codes import FAULT_CODES
from .crash import CrashReport, run_crash_trials
from .matrix import MatrixCase, run_matrix
from .payloads import RecordShape, make_payload
from .settings import DEFAULT_TRIALS, DEFAULT_WRITER, FAULT
from .subject import Subject, prepare
from .summary import FaultSummary, NegativeControl
from .syscall import SyscallReport, run_syscall_kills
from .versions import Writer

__all__ = [
    "CHECK",
    "DEFAULT_TRIALS",
    "DEFAULT_WRITER",
    "NEGATIVE_CONTROL_TRIALS",
    "check_fault",
    "load_writer",
    "naive_write",
]

CHECK = "atomic-write-fault"
NEGATIVE_CONTROL_TRIALS = 50
_FINDINGS_PER_CODE = 10  # the summary keeps the full counts


def naive_write(path: str | os.PathLike[str], data: bytes | str | Mapping[str, Any]) -> None:
    """DELIBERATELY UNSAFE: truncate the target in place, then write. Never use it for data.

    The harness's negative control: a reader or a crash between the truncation
    and the end of the write sees an empty or partial file. Public so that
    `opsguard fault --writer opsguard.fault.check:naive_write` shows what a
    failing run looks like. Takes every payload: text is written as UTF-8, a
    record as JSON.
    """
    if isinstance(data, Mapping):
        data = json.dumps(dict(data))
    with open(path, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)


def load_writer(spec: str) -> Writer:
    """The callable named by `MODULE:FUNCTION` (the function may be dotted: `mod:Class.method`).

    Modules in the working directory are found, as `python -m` finds them: the
    working directory joins `sys.path` (and so the strace child's path too), for
    `opsguard fault`, `opsguard run`, the Action and the Nox session alike.
    """
    module_name, colon, attribute = spec.partition(":")
    if not colon or not module_name.strip() or not attribute.strip():
        raise OpsguardError(f"writer {spec!r}: expected MODULE:FUNCTION, e.g. {DEFAULT_WRITER}")
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # ImportError, or whatever the module raises while importing
        raise OpsguardError(
            f"writer {spec!r}: cannot import {module_name!r}: {_one_line(exc)}"
        ) from None
    for part in attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise OpsguardError(
                f"writer {spec!r}: module {module_name!r} has no attribute {attribute!r}"
            ) from None
    if not callable(target):
        raise OpsguardError(
            f"writer {spec!r}: {attribute!r} is a {type(target).__name__}, not a function"
        )
    return target  # type: ignore[no-any-return]  # callable; (path, data) is its contract


def check_fault(
    writer: str | Callable[..., object] = DEFAULT_WRITER,
    *,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    negative_trials: int | None = None,
    payload: str = "bytes",
    target: str = "file",
    records: RecordShape | None = None,
) -> CheckResult:
    """Run the four parts against `writer` (a callable or a MODULE:FUNCTION spec).

    `trials` crash trials, `negative_trials` (default min(trials, 50)) for the
    negative control, `seed` for the sizes and kill moments (random when None;
    it is in the summary so a run can be repeated). `payload` is `bytes`,
    `text` or `json` (records of the `records` shape, or generic objects);
    `target` is `file` (`writer(path, data)`) or `directory` (`writer` is a
    factory: `factory(directory)` returns `writer(data)` or an object with
    `write(data)`). A writer that cannot be called so raises `OpsguardError`.
    """
    started = time.perf_counter()
    if trials < 1:
        raise OpsguardError(f"trials must be at least 1, got {trials}")
    if isinstance(writer, str):
        spec: str | None = writer
        function = load_writer(writer)
    else:
        spec, function = _spec_of(writer), writer
    shown = printable(spec or _name_of(function))
    seed = secrets.randbelow(2**32) if seed is None else seed
    if negative_trials is None:
        negative_trials = min(trials, NEGATIVE_CONTROL_TRIALS)
    try:
        mode = make_payload(payload, seed, records)
    except ValueError as exc:
        raise OpsguardError(str(exc)) from None
    subject = prepare(function, mode, target, shown)

    cases = run_matrix(subject)
    with tempfile.TemporaryDirectory(prefix="opsguard-fault-") as scratch:
        root = Path(scratch)
        (root / "crash").mkdir()
        crash = run_crash_trials(subject, trials, seed, root / "crash")
        strace = shutil.which("strace")
        if strace is None:
            syscalls = SyscallReport(skipped="strace not found")
        elif spec is None:
            syscalls = SyscallReport(skipped="the writer is not importable as MODULE:FUNCTION")
        else:
            (root / "syscall").mkdir()
            syscalls = run_syscall_kills(spec, root / "syscall", strace, subject=subject)
        (root / "negative").mkdir()
        # The control gets the same payload, into one file: what it proves is that this
        # machine and this oracle see a torn write.
        control_subject = Subject(naive_write, mode)
        control = run_crash_trials(
            control_subject, max(negative_trials, 1), seed, root / "negative"
        )

    findings = _findings(shown, cases, crash, syscalls, control)
    errors = [f for f in findings if f.severity == "error"]
    counts = Counter(f.code for f in findings)
    summary = FaultSummary(
        writer=shown,
        seed=seed,
        trials=crash.trials,
        corrupt=crash.corrupt,
        bad_reads=crash.bad_reads,
        reads=crash.reads,
        orphans_swept=crash.orphans_swept,
        leftovers_removed=crash.leftovers,
        writer_errors=crash.writer_errors,
        matrix_cases=len(cases),
        matrix_failures=sum(not c.passed for c in cases),
        syscall_kill_points=syscalls.kill_points,
        syscall_kill_missed=syscalls.missed,
        syscall_order_ok=syscalls.order_ok,
        negative_control_detected=control.detected,
        negative_control=NegativeControl(
            control.trials, control.corrupt, control.bad_reads, control.reads
        ),
        skipped=syscalls.skipped,
        counts={code: counts[code] for code in FAULT_CODES if counts[code]},
        reasons=_reasons(cases, crash, syscalls, control),
        payload=mode.name,
        target=target,
    )
    return CheckResult(
        check=CHECK,
        status="fail" if errors else "pass",
        summary=summary,
        findings=_capped(findings),
        duration_s=round(time.perf_counter() - started, 6),
    )


def _findings(
    shown: str,
    cases: list[MatrixCase],
    crash: CrashReport,
    syscalls: SyscallReport,
    control: CrashReport,
) -> list[Finding]:
    def finding(code: str, message: str, severity: Severity = "error") -> Finding:
        return Finding(code, severity, shown, None, "", message)

    found = [
        finding("matrix-failure", f"{case.errno_name} injected at {case.point}: {case.failure}")
        for case in cases
        if not case.passed
    ]
    codes = {"corrupt": "corrupt-after-crash", "torn": "torn-read", "writer-error": "writer-error"}
    found += [
        finding(codes[problem.kind], f"crash trial {problem.trial}: {problem.message}")
        for problem in crash.problems
    ]
    found += [finding("syscall-kill-corruption", message) for message in syscalls.corruptions]
    found += [finding("syscall-order", message) for message in syscalls.order_violations]
    if syscalls.missed:
        found.append(
            finding(
                "syscall-kill-missed",
                f"{syscalls.missed} of {syscalls.kill_points} strace kills did not land on the "
                "intended call (the writer's syscalls differ between runs)",
                "warning",
            )
        )
    if not control.detected:
        found.append(
            finding(
                "negative-control-undetected",
                f"naive_write survived {control.trials} crash trials and {control.reads} reads "
                "without one corrupt target or bad read: this harness cannot see corruption here",
            )
        )
    return found


def _reasons(
    cases: list[MatrixCase], crash: CrashReport, syscalls: SyscallReport, control: CrashReport
) -> list[str]:
    reasons: list[str] = []
    failed = [c for c in cases if not c.passed]
    if failed:
        points = sorted({c.point for c in failed}, key=[c.point for c in cases].index)
        reasons.append(f"matrix: {len(failed)}/{len(cases)} cases failed ({', '.join(points)})")
    if crash.corrupt:
        reasons.append(f"{crash.corrupt}/{crash.trials} crash trials left a corrupt target")
    if crash.bad_reads:
        reasons.append(f"{crash.bad_reads}/{crash.reads} concurrent reads saw an incomplete file")
    if crash.writer_errors:
        reasons.append(f"the writer raised in {crash.writer_errors} crash trial(s)")
    if syscalls.corruptions:
        reasons.append(
            f"{len(syscalls.corruptions)}/{syscalls.kill_points} syscall kill points "
            "left neither the old nor the new content"
        )
    if syscalls.order_violations:
        reasons.append("syscall order: " + "; ".join(syscalls.order_violations))
    if not control.detected:
        reasons.append("the negative control (naive_write) went undetected")
    return reasons


def _capped(findings: list[Finding]) -> tuple[Finding, ...]:
    """At most `_FINDINGS_PER_CODE` findings per code; the last kept one says how many more."""
    total = Counter(f.code for f in findings)
    kept: list[Finding] = []
    shown: Counter[str] = Counter()
    for found in findings:
        shown[found.code] += 1
        more = total[found.code] - _FINDINGS_PER_CODE
        if shown[found.code] < _FINDINGS_PER_CODE or (
            shown[found.code] == _FINDINGS_PER_CODE and more <= 0
        ):
            kept.append(found)
        elif shown[found.code] == _FINDINGS_PER_CODE:
            kept.append(replace(found, message=f"{found.message} (and {more} more like it)"))
    return tuple(kept)


def _spec_of(writer: Writer) -> str | None:
    """`module:qualname` when that names `writer` again (the strace part needs a fresh import)."""
    module = getattr(writer, "__module__", None)
    qualname = getattr(writer, "__qualname__", None)
    if not module or not qualname or "<" in qualname or module == "__main__":
        return None
    spec = f"{module}:{qualname}"
    try:
        return spec if load_writer(spec) is writer else None
    except OpsguardError:
        return None


def _name_of(writer: Writer) -> str:
    module = getattr(writer, "__module__", None) or "?"
    return f"{module}:{getattr(writer, '__qualname__', type(writer).__name__)}"


def _one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def run_configured(
    config: Config, options: RunOptions, *, records: RecordShape | None = None
) -> CheckResult:
    """The harness as a whole run does it: the configured writer, payload, target, trials
    and seed. `records` is the record shape of the `json` payload; the catalog passes the
    integrity settings' (`opsguard.catalog.run_fault`), which this package cannot read."""
    settings = FAULT.of(config)
    return check_fault(
        settings.writer,
        trials=settings.trials,
        seed=settings.seed,
        payload=settings.payload,
        target=settings.target,
        records=records,
    )
