"""Write every `run:` block of an action or workflow file to its own script, for shellcheck.

    python tools/extract_run_blocks.py OUT_DIR FILE...

Each bash (or default-shell) step becomes `OUT_DIR/<file>--<job>--<step>.sh`, headed by
a comment that names the file and line it came from and a `shellcheck shell=bash`
directive. `${{ ... }}` expressions are replaced by a placeholder word, as the runner
would substitute them before bash sees the script (there should be none in a `run:`
anyway: tests/test_action_files.py fails on `${{ inputs.` there). Steps with another
shell (pwsh, python, ...) are reported and skipped. Prints one written path per line;
exits 2 when a file cannot be read or holds no step at all.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

EXPRESSION = re.compile(r"\$\{\{.*?\}\}", re.DOTALL)
PLACEHOLDER = "GHA_EXPRESSION"
HEADER_LINES = 4  # shebang, directive, origin, the env line
BASH_SHELLS = {None, "bash", "sh", "bash -e {0}", "bash --noprofile --norc -eo pipefail {0}"}


@dataclass(frozen=True)
class RunBlock:
    """One `run:` script and where it is."""

    source: Path
    job: str  # "action" for a composite action's steps
    index: int  # position of the step in its job
    name: str
    line: int  # 1-based line of the `run:` value in the source
    shell: str | None
    script: str
    env: tuple[str, ...] = ()  # names the runner sets from `env:` (workflow, job, step)


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _get(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
    for key_node, value_node in mapping.value:
        if _scalar(key_node) == key:
            found: yaml.Node = value_node
            return found
    return None


def _env_names(node: yaml.Node | None) -> tuple[str, ...]:
    if not isinstance(node, yaml.MappingNode):
        return ()
    return tuple(name for key, _ in node.value if (name := _scalar(key)))


def _steps(
    source: Path,
    job: str,
    steps: yaml.Node | None,
    default_shell: str | None,
    outer_env: tuple[str, ...] = (),
) -> Iterator[RunBlock]:
    if not isinstance(steps, yaml.SequenceNode):
        return
    for index, step in enumerate(steps.value):
        if not isinstance(step, yaml.MappingNode):
            continue
        run = _get(step, "run")
        if not isinstance(run, yaml.ScalarNode):
            continue
        script = run.value
        name = _scalar(_get(step, "name")) or _scalar(_get(step, "id")) or f"step {index}"
        # A block scalar's mark is its `|` indicator: the script starts on the next line.
        block = run.style in ("|", ">")
        yield RunBlock(
            source=source,
            job=job,
            index=index,
            name=name,
            line=run.start_mark.line + (2 if block else 1),
            shell=_scalar(_get(step, "shell")) or default_shell,
            script=script,
            env=(*outer_env, *_env_names(_get(step, "env"))),
        )


def _default_shell(node: yaml.Node | None) -> str | None:
    """`defaults: run: shell:` of a workflow or a job."""
    if not isinstance(node, yaml.MappingNode):
        return None
    run = _get(node, "run")
    return _scalar(_get(run, "shell")) if isinstance(run, yaml.MappingNode) else None


def run_blocks(source: Path) -> list[RunBlock]:
    """Every `run:` step of a composite action (`runs.steps`) or a workflow (`jobs.*.steps`)."""
    document = yaml.compose(source.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    if not isinstance(document, yaml.MappingNode):
        return []
    blocks: list[RunBlock] = []
    runs = _get(document, "runs")
    if isinstance(runs, yaml.MappingNode):
        blocks.extend(_steps(source, "action", _get(runs, "steps"), None))
    jobs = _get(document, "jobs")
    if isinstance(jobs, yaml.MappingNode):
        workflow_shell = _default_shell(_get(document, "defaults"))
        workflow_env = _env_names(_get(document, "env"))
        for job_key, job in jobs.value:
            if isinstance(job, yaml.MappingNode):
                shell = _default_shell(_get(job, "defaults")) or workflow_shell
                env = (*workflow_env, *_env_names(_get(job, "env")))
                blocks.extend(_steps(source, str(_scalar(job_key)), _get(job, "steps"), shell, env))
    return blocks


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def script_text(block: RunBlock) -> str:
    """The script as shellcheck should see it: the step's `env:` names set, as the runner does."""
    body = EXPRESSION.sub(PLACEHOLDER, block.script)
    names = " ".join(f"{name}={PLACEHOLDER}" for name in dict.fromkeys(block.env))
    return (
        f"#!/usr/bin/env bash\n"
        f"# shellcheck shell=bash\n"
        f"# job {block.job!r}, step {block.index} {block.name!r}: line {HEADER_LINES + 1} "
        f"of this file is {block.source}:{block.line}\n"
        f"{'export ' + names if names else ':'}\n"
        f"{body}"
    )


def write_blocks(out_dir: Path, sources: list[Path]) -> tuple[list[Path], list[RunBlock]]:
    """Write the bash blocks; return the written paths and the skipped (other-shell) blocks."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    skipped: list[RunBlock] = []
    for source in sources:
        for block in run_blocks(source):
            if block.shell not in BASH_SHELLS:
                skipped.append(block)
                continue
            name = f"{_slug(source.as_posix())}--{_slug(block.job)}--{block.index:02d}.sh"
            target = out_dir / name
            target.write_text(script_text(block), encoding="utf-8")
            written.append(target)
    return written, skipped


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        sys.stderr.write("usage: extract_run_blocks.py OUT_DIR FILE...\n")
        return 2
    out_dir, sources = Path(argv[0]), [Path(a) for a in argv[1:]]
    try:
        written, skipped = write_blocks(out_dir, sources)
    except (OSError, yaml.YAMLError) as exc:
        sys.stderr.write(f"extract_run_blocks: {exc}\n")
        return 2
    for block in skipped:
        sys.stderr.write(
            f"extract_run_blocks: skipped {block.source}:{block.line} (shell {block.shell!r})\n"
        )
    if not written:
        sys.stderr.write("extract_run_blocks: no bash run: block found\n")
        return 2
    sys.stdout.write("".join(f"{path}\n" for path in written))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
