"""The result model every check produces and every renderer reads.

A check returns one `CheckResult`; its JSON form is the result-file contract
(`"schema": "opsguard.result/1"`), written with orjson and read back into an
equal object by `CheckResult.from_json`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, get_args

import orjson

from .errors import OpsguardError
from .summary import Summary

__all__ = [
    "COMMON_CODES",
    "COULD_NOT_RUN",
    "EXIT_ERROR",
    "EXIT_FAIL",
    "EXIT_PASS",
    "RESULT_SCHEMA",
    "CheckResult",
    "Finding",
    "ResultFileError",
    "RunContext",
    "Severity",
    "Status",
    "overall_status",
]

RESULT_SCHEMA = "opsguard.result/1"
# The exit codes of every opsguard command: all passed, a gate failed, could not do its job.
EXIT_PASS, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
# The finding code of a check that could not run; every check may report it.
COULD_NOT_RUN = "could-not-run"
# Codes every check may report, with their help.
COMMON_CODES: dict[str, str] = {
    "could-not-run": "The check could not do its job (bad configuration, a path that does not "
    "exist, input it could not read, or no result from this run at all): its verdict is "
    "unknown, so the gate fails with exit code 2.",
}

Severity = Literal["error", "warning"]
Status = Literal["pass", "fail", "error"]
_SEVERITIES: tuple[str, ...] = get_args(Severity)
_STATUSES: tuple[str, ...] = get_args(Status)
_T = TypeVar("_T")


class ResultFileError(OpsguardError):
    """A result file that is not valid `opsguard.result/1` JSON."""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place. `pointer` is an RFC 6901 JSON pointer ("" for the whole item)."""

    code: str
    severity: Severity
    path: str
    line: int | None
    pointer: str
    message: str

    def location(self) -> str:
        return self.path if self.line is None else f"{self.path}:{self.line}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "pointer": self.pointer,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: object) -> Finding:
        if not isinstance(data, dict):
            raise ValueError("a finding must be an object")
        code = _typed(data, "code", str)
        severity = _typed(data, "severity", str)
        if severity not in _SEVERITIES:
            raise ValueError(f"unknown severity {severity!r}")
        line = data.get("line")
        if line is not None and (not isinstance(line, int) or isinstance(line, bool) or line < 1):
            raise ValueError("finding line must be a positive integer or null")
        return cls(
            code=code,
            severity=severity,  # type: ignore[arg-type]  # checked against _SEVERITIES above
            path=_typed(data, "path", str),
            line=line,
            pointer=_typed(data, "pointer", str),
            message=_typed(data, "message", str),
        )


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check: verdict, summary figures and findings.

    `summary` holds check-specific figures (JSON-compatible values only).
    """

    check: str
    status: Status
    summary: Mapping[str, Any]
    findings: tuple[Finding, ...] = ()
    duration_s: float = 0.0
    # The run this result belongs to (see `opsguard.core.runs`); None for a plain command line.
    run_id: str | None = None
    schema: str = field(default=RESULT_SCHEMA)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    @property
    def exit_code(self) -> int:
        """0 passed, 1 failed (a violation), 2 could not run."""
        return {"pass": EXIT_PASS, "fail": EXIT_FAIL}.get(self.status, EXIT_ERROR)

    @classmethod
    def could_not_run(cls, check: str, reason: str, *, run_id: str | None = None) -> CheckResult:
        """The result of a check that could not do its job: `error`, with the one-line reason.

        Written like any other result, so that no view and no gate can miss it. Its
        finding is about the run, not a file: its path is empty.
        """
        finding = Finding(COULD_NOT_RUN, "error", "", None, "", reason)
        return cls(check, "error", {"reasons": [reason]}, (finding,), run_id=run_id)

    def to_dict(self) -> dict[str, Any]:
        summary = self.summary
        return {
            "schema": self.schema,
            "check": self.check,
            "status": self.status,
            "run_id": self.run_id,
            "summary": summary.to_dict() if isinstance(summary, Summary) else dict(summary),
            "findings": [f.to_dict() for f in self.findings],
            "duration_s": self.duration_s,
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)

    @classmethod
    def from_dict(cls, data: object) -> CheckResult:
        if not isinstance(data, dict):
            raise ValueError("a result must be a JSON object")
        schema = data.get("schema")
        if schema != RESULT_SCHEMA:
            raise ValueError(f"unknown result schema {schema!r} (expected {RESULT_SCHEMA!r})")
        status = _typed(data, "status", str)
        if status not in _STATUSES:
            raise ValueError(f"unknown status {status!r}")
        summary = data.get("summary")
        if not isinstance(summary, dict):
            raise ValueError("summary must be an object")
        findings = data.get("findings")
        if not isinstance(findings, list):
            raise ValueError("findings must be a list")
        run_id = data.get("run_id")
        if run_id is not None and not isinstance(run_id, str):
            raise ValueError("run_id must be a string or null")
        duration = data.get("duration_s")
        if not isinstance(duration, int | float) or isinstance(duration, bool) or duration < 0:
            raise ValueError("duration_s must be a non-negative number")
        return cls(
            check=_typed(data, "check", str),
            status=status,  # type: ignore[arg-type]  # checked against _STATUSES above
            summary=summary,
            findings=tuple(Finding.from_dict(f) for f in findings),
            duration_s=float(duration),
            run_id=run_id,
        )

    @classmethod
    def from_json(cls, raw: bytes | str, *, source: str = "<result>") -> CheckResult:
        """Parse a result file; any defect is a `ResultFileError` naming `source`."""
        try:
            return cls.from_dict(orjson.loads(raw))
        except (orjson.JSONDecodeError, ValueError) as exc:
            raise ResultFileError(f"{source}: not an opsguard result: {exc}") from None


def _typed(data: dict[str, Any], key: str, kind: type[_T]) -> _T:
    value = data.get(key)
    if not isinstance(value, kind):
        raise ValueError(f"{key!r} must be a {kind.__name__}")
    return value


@dataclass(frozen=True, slots=True)
class RunContext:
    """Where the results came from, for the comment marker and the links (all optional)."""

    head_sha: str | None = None
    run_id: str | None = None
    run_url: str | None = None
    # GitHub's attempt number of `run_id`: a re-run is newer than the attempt before it.
    run_attempt: str | None = None


def overall_status(results: Sequence[CheckResult]) -> Status:
    """`error` if any check could not run, else `fail` if any failed, else `pass`.

    An error outranks a failure: the verdict of a run with a blind spot is incomplete.
    """
    statuses = {r.status for r in results}
    if "error" in statuses:
        return "error"
    return "fail" if "fail" in statuses else "pass"
