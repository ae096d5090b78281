"""Run action.yml's steps as a GitHub runner would, on this machine, for the end-to-end test.

What it does for each step, in order, like the runner's composite-action handler:

- evaluates the step's `if:` (`success() &&` implied) with `action_expr`, which
  raises on any expression it does not understand;
- a `run:` step: evaluates its `env:` (inputs with their defaults and the
  scenario's overrides, `github.*`, `runner.temp`, `steps.<id>.outputs.*`), writes
  the script to a file and runs it as `bash --noprofile --norc -eo pipefail FILE`
  (GitHub's `shell: bash`) in `GITHUB_WORKSPACE`, with fresh `GITHUB_OUTPUT`,
  `GITHUB_STEP_SUMMARY`, `GITHUB_ENV` and `GITHUB_PATH` files, and `GITHUB_ACTION_PATH`,
  `RUNNER_TEMP`, `GITHUB_EVENT_PATH` and the rest of the runner's variables; then
  reads the files back (`name=value` and `name<<DELIMITER` forms) into
  `steps.<id>.outputs`, the job summary, and the environment of later steps;
- a `uses:` step is not executed: its `with:` is evaluated (so a bad expression
  still fails) and recorded, and its outputs come from `uses_outputs` (setup-python's
  `python-path`); cache steps produce none;
- a step listed in `reuse` is not executed again: its earlier result stands in
  (the test installs opsguard once per module and reuses that step's outputs).

The action's `outputs:` are evaluated at the end. Nothing here knows opsguard.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from action_expr import Context, ExpressionError, evaluate_condition, render

__all__ = [
    "ActionRun",
    "ActionRunner",
    "StepResult",
    "parse_file_command",
]

STEP_TIMEOUT = 600.0


@dataclass
class StepResult:
    """What one step did."""

    index: int
    id: str | None
    name: str
    kind: str  # "run" or "uses"
    outcome: str  # "success", "failure" or "skipped"
    exit_code: int | None = None  # None: not executed here (uses, skipped, reused)
    outputs: dict[str, str] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)  # the evaluated `env:` block
    with_: dict[str, str] = field(default_factory=dict)  # the evaluated `with:` (uses)
    stdout: str = ""
    stderr: str = ""
    summary: str = ""
    reused: bool = False


@dataclass
class ActionRun:
    """Every step's result, the action's outputs and the job summary."""

    steps: list[StepResult]
    outputs: dict[str, str]
    summary: str
    failed: bool

    def step(self, step_id: str) -> StepResult:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"no step {step_id!r}")

    @property
    def log(self) -> str:
        """stdout and stderr of every executed step, as the job log would show them."""
        return "".join(f"## {s.name}\n{s.stdout}{s.stderr}" for s in self.steps)


_DELIMITED = re.compile(r"^([^=<\s]+)<<(.+)$")


def parse_file_command(text: str) -> dict[str, str]:
    """`GITHUB_OUTPUT` / `GITHUB_ENV` content: `name=value` lines and `name<<DELIM` blocks."""
    values: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index].rstrip("\r")
        index += 1
        if not line:
            continue
        heredoc = _DELIMITED.match(line)
        if heredoc:
            name, delimiter = heredoc.groups()
            body: list[str] = []
            while True:
                if index >= len(lines):
                    raise ValueError(f"{name}: no closing delimiter {delimiter!r}")
                item = lines[index].rstrip("\r")
                index += 1
                if item == delimiter:
                    break
                body.append(item)
            values[name] = "\n".join(body)
            continue
        name, sep, value = line.partition("=")
        if not sep or not name:
            raise ValueError(f"not a file command line: {line!r}")
        values[name] = value
    return values


def _read_path_file(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class ActionRunner:
    """One action (its directory) on one simulated runner (workspace, temp, event)."""

    def __init__(
        self,
        action_dir: Path,
        *,
        workspace: Path,
        runner_temp: Path,
        github: Mapping[str, Any],
        base_env: Mapping[str, str],
        uses_outputs: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        self.action_dir = action_dir
        self.definition = yaml.safe_load((action_dir / "action.yml").read_text(encoding="utf-8"))
        if self.definition["runs"]["using"] != "composite":
            raise ValueError("not a composite action")
        self.steps: list[dict[str, Any]] = self.definition["runs"]["steps"]
        self.workspace = workspace
        self.runner_temp = runner_temp
        self.github = dict(github)
        self.base_env = dict(base_env)
        self.uses_outputs = {k: dict(v) for k, v in (uses_outputs or {}).items()}
        self.known_steps = frozenset(s["id"] for s in self.steps if "id" in s)
        self._files = 0

    def _inputs(self, overrides: Mapping[str, str], context: Context) -> dict[str, str]:
        declared: dict[str, Any] = self.definition.get("inputs") or {}
        unknown = set(overrides) - set(declared)
        if unknown:
            # GitHub only warns ("Unexpected input"), but a test with a typo must not pass.
            raise ValueError(f"undeclared inputs: {sorted(unknown)}")
        values: dict[str, str] = {}
        for name, spec in declared.items():
            if name in overrides:
                values[name] = overrides[name]
            else:
                default = (spec or {}).get("default", "")
                values[name] = render(str(default), context) if default is not None else ""
        return values

    def _file(self, stem: str) -> Path:
        self._files += 1
        directory = self.runner_temp / "_runner_file_commands"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{stem}_{self._files}"
        path.write_text("", encoding="utf-8")
        return path

    def run(
        self,
        inputs: Mapping[str, str] | None = None,
        *,
        reuse: Mapping[str, StepResult] | None = None,
        stop_after: str | None = None,
        job_env: Mapping[str, str] | None = None,
    ) -> ActionRun:
        """Run the steps; `stop_after` ends after that step id (the install-once fixture)."""
        reuse = reuse or {}
        steps_ctx: dict[str, dict[str, Any]] = {}
        # What earlier steps added through GITHUB_ENV / GITHUB_PATH, and the job's env.
        added_env: dict[str, str] = dict(job_env or {})
        added_path: list[str] = []
        context = Context(
            inputs={},
            github=self.github,
            runner={"temp": str(self.runner_temp), "os": "Linux", "arch": "X64"},
            steps=steps_ctx,
            env=added_env,
            known_steps=self.known_steps,
        )
        context.inputs = self._inputs(inputs or {}, context)
        results: list[StepResult] = []
        failed = False
        summary: list[str] = []

        for index, step in enumerate(self.steps):
            step_id = step.get("id")
            name = step.get("name") or step_id or f"step {index}"
            kind = "run" if "run" in step else "uses"
            context.failed = failed
            if not evaluate_condition(step.get("if"), context):
                result = StepResult(index, step_id, name, kind, "skipped")
            elif step_id is not None and step_id in reuse:
                earlier = reuse[step_id]
                result = StepResult(
                    index, step_id, name, kind, earlier.outcome, outputs=dict(earlier.outputs)
                )
                result.reused = True
            elif kind == "uses":
                result = self._uses(index, step, context)
            else:
                result = self._run(index, step, context, added_env, added_path)
            results.append(result)
            summary.append(result.summary)
            if step_id:
                steps_ctx[step_id] = {
                    "outputs": result.outputs,
                    "outcome": result.outcome,
                    "conclusion": result.outcome,
                }
            if result.outcome == "failure" and not self._continue_on_error(step, context):
                failed = True
            if stop_after is not None and step_id == stop_after:
                break

        context.failed = failed
        outputs = {}
        if stop_after is None:  # a partial run has no action outputs (later steps are unknown)
            outputs = {
                output: render(str(spec["value"]), context)
                for output, spec in (self.definition.get("outputs") or {}).items()
            }
        return ActionRun(results, outputs, "".join(summary), failed)

    def _continue_on_error(self, step: Mapping[str, Any], context: Context) -> bool:
        value = step.get("continue-on-error", False)
        if isinstance(value, bool):
            return value
        return render(str(value), context) == "true"

    def _uses(self, index: int, step: Mapping[str, Any], context: Context) -> StepResult:
        uses = str(step["uses"])
        action = uses.split("@", 1)[0]
        with_ = {k: render(str(v), context) for k, v in (step.get("with") or {}).items()}
        env = {k: render(str(v), context) for k, v in (step.get("env") or {}).items()}
        name = step.get("name") or uses
        return StepResult(
            index,
            step.get("id"),
            name,
            "uses",
            "success",
            outputs=dict(self.uses_outputs.get(action, {})),
            env=env,
            with_=with_,
        )

    def _run(
        self,
        index: int,
        step: Mapping[str, Any],
        context: Context,
        added_env: dict[str, str],
        added_path: list[str],
    ) -> StepResult:
        shell = step.get("shell")
        if shell != "bash":
            raise ExpressionError(f"step {index}: only `shell: bash` is simulated, got {shell!r}")
        if "working-directory" in step:
            raise ExpressionError(f"step {index}: working-directory is not simulated")
        step_env = {k: render(str(v), context) for k, v in (step.get("env") or {}).items()}
        files = {
            "GITHUB_OUTPUT": self._file("set_output"),
            "GITHUB_STEP_SUMMARY": self._file("step_summary"),
            "GITHUB_ENV": self._file("set_env"),
            "GITHUB_PATH": self._file("add_path"),
        }
        script = self._file("script")
        script.write_text(str(step["run"]), encoding="utf-8")
        env = {
            **self.base_env,
            **added_env,
            **{k: str(v) for k, v in files.items()},
            "GITHUB_ACTION_PATH": str(self.action_dir),
            **step_env,
        }
        if added_path:
            env["PATH"] = os.pathsep.join([*reversed(added_path), env.get("PATH", "")])
        bash = shutil.which("bash")
        if bash is None:
            raise RuntimeError("bash is not installed: it runs every step of action.yml")
        process = subprocess.run(
            [bash, "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
            check=False,
        )
        outputs = parse_file_command(files["GITHUB_OUTPUT"].read_text(encoding="utf-8"))
        added_env.update(parse_file_command(files["GITHUB_ENV"].read_text(encoding="utf-8")))
        added_path.extend(_read_path_file(files["GITHUB_PATH"]))
        return StepResult(
            index,
            step.get("id"),
            step.get("name") or step.get("id") or f"step {index}",
            "run",
            "success" if process.returncode == 0 else "failure",
            exit_code=process.returncode,
            outputs=outputs,
            env=step_env,
            stdout=process.stdout,
            stderr=process.stderr,
            summary=files["GITHUB_STEP_SUMMARY"].read_text(encoding="utf-8"),
        )
