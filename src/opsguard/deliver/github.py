"""What opsguard reads from and writes to a GitHub Actions runner.

Reads: the run context (head SHA, run id, run URL) from the documented
environment (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_RUN_ID`,
`GITHUB_SHA`) and the event payload (`pull_request.head.sha`, which differs
from `GITHUB_SHA` on a PR: that one is the merge commit).
Writes: step outputs to `$GITHUB_OUTPUT` in the multi-line-safe
`name<<DELIMITER` form, and the job summary to `$GITHUB_STEP_SUMMARY`. Both
files belong to the runner and may already hold other steps' lines, so
opsguard appends, the way the runner documents (`>> $GITHUB_OUTPUT`): one
`O_APPEND` write of everything at once, never reading the file (which could
be anything a workflow set the variable to, a FIFO included).
Never reads or prints a token.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from ..catalog import CHECKS
from ..core.result import CheckResult, RunContext, overall_status

__all__ = ["append_step_summary", "run_context", "step_outputs", "under_actions", "write_outputs"]


def under_actions(environ: Mapping[str, str] | None = None) -> bool:
    """Whether this process runs as a GitHub Actions step."""
    return (os.environ if environ is None else environ).get("GITHUB_ACTIONS") == "true"


def step_outputs(results: Sequence[CheckResult], files: Mapping[str, Path]) -> dict[str, str]:
    """The report step's outputs: the verdict, each check's key number, the view files.

    A check contributes the outputs its catalog entry names; one that did not
    run leaves its outputs empty (so a workflow can tell "0" from "not run").
    """
    status = overall_status(results)
    outputs = {"passed": "true" if status == "pass" else "false", "status": status}
    by_check = {r.check: r for r in results}
    for spec in CHECKS.values():
        result = by_check.get(spec.name)
        # A summary of another opsguard version may not fit the type: then its key, if any.
        summary: Mapping[str, Any] = (
            {} if result is None else spec.summary_of(result) or result.summary
        )
        for output, key in spec.outputs.items():
            value = summary.get(key)
            outputs[output] = "" if value is None else str(value)
    outputs["report-path"] = str(files["markdown"])
    outputs["sarif-path"] = str(files["sarif"])
    return outputs


def run_context(environ: Mapping[str, str] | None = None) -> RunContext:
    """The run's head SHA, id and URL, or Nones outside GitHub Actions."""
    env = os.environ if environ is None else environ
    run_id = env.get("GITHUB_RUN_ID") or None
    server, repository = env.get("GITHUB_SERVER_URL"), env.get("GITHUB_REPOSITORY")
    run_url = (
        f"{server}/{repository}/actions/runs/{run_id}" if server and repository and run_id else None
    )
    run_attempt = (env.get("GITHUB_RUN_ATTEMPT") or "1") if run_id else None
    return RunContext(
        head_sha=_head_sha(env), run_id=run_id, run_url=run_url, run_attempt=run_attempt
    )


def _head_sha(env: Mapping[str, str]) -> str | None:
    event_path = env.get("GITHUB_EVENT_PATH")
    if event_path:
        try:
            event = orjson.loads(Path(event_path).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            event = None
        if isinstance(event, dict):
            pull = event.get("pull_request")
            if isinstance(pull, dict) and isinstance(pull.get("head"), dict):
                sha = pull["head"].get("sha")
                if isinstance(sha, str) and sha:
                    return sha
    return env.get("GITHUB_SHA") or None


def write_outputs(outputs: Mapping[str, str], environ: Mapping[str, str] | None = None) -> bool:
    """Append step outputs to `$GITHUB_OUTPUT`; False when not running under Actions."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_OUTPUT")
    if not target:
        return False
    chunks = []
    for name, value in outputs.items():
        delimiter = f"opsguard_{_token()}"
        while delimiter in value:
            delimiter = f"opsguard_{_token()}"
        chunks.append(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")
    _append(Path(target), "".join(chunks))
    return True


def append_step_summary(markdown: str, environ: Mapping[str, str] | None = None) -> bool:
    """Append to `$GITHUB_STEP_SUMMARY`; False when not running under Actions."""
    env = os.environ if environ is None else environ
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return False
    _append(Path(target), markdown)
    return True


def _append(path: Path, text: str) -> None:
    data = text.encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _token() -> str:
    """An unguessable delimiter part (what secrets.token_hex does, without importing it)."""
    return os.urandom(8).hex()
