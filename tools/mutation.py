"""Mutation testing of opsguard's core with mutmut 3: does the suite catch a changed line?

    python tools/mutation.py                 # every target in TARGETS, then the table
    python tools/mutation.py bands atomic    # only those targets
    python tools/mutation.py --list          # the targets, their sources and tests

`nox -s mutation` runs the first form. Each target is one module (or some
functions of one) and the test files that exercise it; mutmut runs only those
tests, and per mutant only the ones that reach the mutated function.

Every target runs in its own work directory, `mutants/<target>/`, holding a
copy of `pyproject.toml` with a `[tool.mutmut]` table appended, a copy of
`src/` (with the target's rewrites, see `Target`), and symlinks to `tests/`
and the files the tests read. mutmut copies that tree into
`mutants/<target>/mutants/` and runs there: the repository's own
`pyproject.toml` needs no mutmut table, and no two targets share a cache. The
work directory is recreated on every run (`--keep` reuses it, and then mutmut
reports cached verdicts, even for mutants a new test would now kill).

The table: mutants, killed, survived, timeout, other (no tests, segfault, ...),
equivalent (survivors listed in `tools/mutation-equivalents.toml`, each with
its reason), and `score = killed / (mutants - equivalent)`: a timeout is not
counted as a kill. The exit status is 1 when a target scores under its bar
(95%, or 100% for a destructive target: code that deletes, replaces or moves a
user's file), and 2 when mutmut fails. Every mutant that is neither killed nor
a reviewed equivalent is printed with its diff, to be killed by a test or, if
no behaviour can tell it from the original, reviewed into the equivalents file.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "mutants"
EQUIVALENTS = REPO / "tools" / "mutation-equivalents.toml"
MIN_SCORE = 95.0
MIN_SCORE_DESTRUCTIVE = 100.0


@dataclass(frozen=True)
class Target:
    """One row of the table: a source module, optionally some of its functions, and its tests.

    `functions` are globs over `name` or `Class.method`; empty means every function.
    `rewrites` are `(old, new)` text replacements made in the work copy of `source`
    only, each of which must match exactly once: mutmut skips every decorated function
    but a classmethod or staticmethod, so a decorator is moved out of the way by a
    rewrite that changes no behaviour (see `uncached` and `context_manager`).
    """

    name: str
    source: str
    tests: tuple[str, ...]
    functions: tuple[str, ...] = ()
    destructive: bool = False
    rewrites: tuple[tuple[str, str], ...] = ()


def uncached(function: str, decorator: str) -> tuple[str, str]:
    """Drop a memoizing decorator: the same results, computed each time.

    Keeping the cache would hide mutants: mutmut forks each mutant from a process whose
    cache the unmutated code already filled.
    """
    return (f"{decorator}\ndef {function}(", f"def {function}(")


def context_manager(function: str, following: str) -> tuple[tuple[str, str], ...]:
    """`@contextlib.contextmanager` applied by assignment after the function instead."""
    return (
        (f"@contextlib.contextmanager\ndef {function}(", f"def {function}("),
        (
            f"\n\n\ndef {following}(",
            f"\n\n{function} = contextlib.contextmanager({function})\n\n\ndef {following}(",
        ),
    )


# The one table to update when a module moves or gets new tests. `source` is the path
# below the repository; `tests` are the test files mutmut may run for it.
TARGETS: tuple[Target, ...] = (
    Target(
        "bands",
        "src/opsguard/integrity/bands.py",
        ("tests/test_bands.py", "tests/test_bands_messages.py", "tests/test_bands_numbers.py"),
    ),
    Target(
        "versioning",
        "src/opsguard/integrity/versioning.py",
        ("tests/test_versioning.py", "tests/test_versioning_limits.py", "tests/test_duplicates.py"),
        rewrites=(uncached("_normalize", "@lru_cache(maxsize=4096)"),),
    ),
    Target(
        "duplicates",
        "src/opsguard/integrity/duplicates.py",
        (
            "tests/test_duplicates.py",
            "tests/test_integrity.py",
            "tests/test_integrity_fast_path.py",
        ),
    ),
    Target(
        "validation",
        "src/opsguard/integrity/validation.py",
        ("tests/test_validation.py", "tests/test_integrity.py", "tests/test_store.py"),
    ),
    Target(
        "privacy.keys",
        "src/opsguard/privacy/keys.py",
        (
            "tests/test_privacy_keys.py",
            "tests/test_privacy_key_parts.py",
            "tests/test_privacy_text.py",
        ),
    ),
    Target(
        "retention_rule",
        "src/opsguard/retention/rule.py",
        (
            "tests/test_retention_rule.py",
            "tests/test_retention_rule_edges.py",
            "tests/test_retention_protect.py",
            "tests/test_retention.py",
        ),
    ),
    Target(
        "retention_judge",
        "src/opsguard/retention/judge.py",
        (
            "tests/test_retention_judge.py",
            "tests/test_retention_rule.py",
            "tests/test_retention_protect.py",
            "tests/test_retention.py",
        ),
        destructive=True,
    ),
    Target(
        "retention_apply",
        "src/opsguard/retention/apply.py",
        ("tests/test_retention_apply.py", "tests/test_retention.py"),
        destructive=True,
    ),
    Target(
        "atomic",
        "src/opsguard/core/atomic.py",
        (
            "tests/test_atomic.py",
            "tests/test_atomic_contract.py",
            "tests/test_atomic_json.py",
            "tests/test_store.py",
        ),
        destructive=True,
        rewrites=context_manager("_atomic_open", following="atomic_write_json"),
    ),
    Target(
        "quarantine",
        "src/opsguard/core/quarantine.py",
        (
            "tests/test_quarantine.py",
            "tests/test_atomic.py",
            "tests/test_atomic_contract.py",
            "tests/test_remediate.py",
        ),
        destructive=True,
    ),
    Target(
        "remediate.apply",
        "src/opsguard/integrity/fix.py",
        (
            "tests/test_remediate.py",
            "tests/test_remediate_apply.py",
            "tests/test_integrity_fast_path.py",
        ),
        functions=("apply_remediation", "_FileApplier.*", "_rebuild", "_spans", "_edit"),
        destructive=True,
    ),
)

# What the tests read besides src/ and tests/ (tests/conftest.py: REPO = tests/..).
SHARED = ("fixtures", "docs", "README.md", "noxfile.py", "LICENSE")

# The pytest arguments of every run: hypothesis draws the same examples for every mutant,
# and a test about this repository itself (mutmut's copy holds no .git) is left out.
PYTEST_ARGS = (
    "--hypothesis-seed=0",
    "-p",
    "no:cacheprovider",
    "--deselect",
    "tests/test_retention_cli.py::test_this_repository_is_refused",
)


@dataclass
class Row:
    target: Target
    statuses: Counter[str] = field(default_factory=Counter)
    equivalent: int = 0
    survivors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def mutants(self) -> int:
        return sum(self.statuses.values())

    @property
    def score(self) -> float:
        judged = self.mutants - self.equivalent
        return 100.0 if judged <= 0 else 100.0 * self.statuses["killed"] / judged

    @property
    def bar(self) -> float:
        return MIN_SCORE_DESTRUCTIVE if self.target.destructive else MIN_SCORE

    @property
    def passed(self) -> bool:
        return self.score >= self.bar


def module_of(source: str) -> str:
    """`src/opsguard/privacy/keys.py` -> `opsguard.privacy.keys` (mutmut's naming)."""
    dotted = source.removesuffix(".py").replace("/", ".").removeprefix("src.")
    return dotted.removesuffix(".__init__")


def mutant_globs(target: Target) -> list[str]:
    """mutmut's mutant names for the target's functions (`[]`: the whole module)."""
    module = module_of(target.source)
    globs = []
    for function in target.functions:
        if "." in function:
            cls, _, method = function.partition(".")
            globs.append(f"{module}.x\u01c1{cls}\u01c1{method}__mutmut_*")
        else:
            globs.append(f"{module}.x_{function}__mutmut_*")
    return globs


def mutmut_table(target: Target) -> str:
    """The `[tool.mutmut]` table of a target's work directory."""
    lines = [
        "",
        "# Appended by tools/mutation.py for this work directory only.",
        "[tool.mutmut]",
        'source_paths = ["src"]',
        f"only_mutate = {json.dumps([target.source])}",
        f"pytest_add_cli_args_test_selection = {json.dumps(list(target.tests))}",
        f"pytest_add_cli_args = {json.dumps(list(PYTEST_ARGS))}",
        f"also_copy = {json.dumps([p for p in SHARED if (REPO / p).exists()])}",
        "use_git_change_detection = false",
        # A mutant that loops forever is stopped after 5x its tests' time, plus 3 s.
        "timeout_multiplier = 5.0",
        "timeout_constant = 3.0",
        "",
    ]
    return "\n".join(lines)


def prepare(target: Target, keep: bool) -> Path:
    work = WORK / target.name
    if work.exists() and not keep:
        shutil.rmtree(work)
    work.mkdir(parents=True, exist_ok=True)
    base = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    if "mutmut" in tomllib.loads(base).get("tool", {}):
        raise SystemExit(
            "pyproject.toml has a [tool.mutmut] table; tools/mutation.py writes its own"
        )
    (work / "pyproject.toml").write_text(base + mutmut_table(target), encoding="utf-8")
    for name in ("tests", *SHARED):
        link = work / name
        if (REPO / name).exists() and not link.is_symlink():
            link.symlink_to(REPO / name)
    # A copy, not a link: the rewrites change the work copy, never the repository.
    shutil.rmtree(work / "src", ignore_errors=True)
    shutil.copytree(REPO / "src", work / "src", ignore=shutil.ignore_patterns("__pycache__"))
    source = work / target.source
    text = source.read_text(encoding="utf-8")
    for old, new in target.rewrites:
        if text.count(old) != 1:
            raise SystemExit(f"{target.name}: rewrite {old!r} matches {text.count(old)} times")
        text = text.replace(old, new)
    source.write_text(text, encoding="utf-8")
    return work


def run_mutmut(target: Target, work: Path, jobs: int, verbose: bool) -> int:
    # `import mutmut.__main__` (not `python -m mutmut`): mutmut's workers must find it cached.
    code = "import sys; from mutmut.__main__ import cli; sys.exit(cli())"
    command = [sys.executable, "-c", code, "run", "--max-children", str(jobs)]
    command += mutant_globs(target)
    env = {k: v for k, v in os.environ.items() if k != "CI"}  # the default hypothesis profile
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    log = work / "mutmut.log"
    with log.open("w", encoding="utf-8") as out:
        process = subprocess.run(
            command,
            cwd=work,
            env=env,
            stdout=None if verbose else out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    return process.returncode


def statuses_of(target: Target, work: Path) -> dict[str, str]:
    """Each mutant of the target and its status (`killed`, `survived`, `timeout`, ...)."""
    from mutmut.stats import status_by_exit_code

    meta = work / "mutants" / (target.source + ".meta")
    codes: dict[str, int | None] = json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"]
    globs = mutant_globs(target)
    return {
        name: status_by_exit_code[code]
        for name, code in codes.items()
        if not globs or any(fnmatch.fnmatchcase(name, g) for g in globs)
    }


def diff_of(target: Target, work: Path, mutant: str) -> str:
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    here = Path.cwd()
    os.chdir(work)
    try:
        return str(get_diff_for_mutant(mutant, path=target.source))
    finally:
        os.chdir(here)


def changed_lines(diff: str) -> str:
    """The added lines of a diff, stripped: what the equivalents file quotes."""
    return "\n".join(
        line[1:].strip()
        for line in diff.splitlines()
        if line.startswith("+") and not line.startswith("+++")
    )


@dataclass(frozen=True)
class Equivalent:
    mutant: str
    change: str
    reason: str


def load_equivalents(path: Path = EQUIVALENTS) -> dict[str, Equivalent]:
    if not path.exists():
        return {}
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    entries: dict[str, Equivalent] = {}
    for item in data.get("equivalent", []):
        entry = Equivalent(item["mutant"], item["change"].strip(), item["reason"])
        if not entry.reason.strip():
            raise SystemExit(f"{path}: {entry.mutant} has no reason")
        entries[entry.mutant] = entry
    return entries


def evaluate(
    target: Target, work: Path, equivalents: dict[str, Equivalent], say: Callable[[str], None]
) -> Row:
    """Count the target's mutants by status, subtract the reviewed equivalents, show the rest."""
    row = Row(target)
    for mutant, status in sorted(statuses_of(target, work).items(), key=lambda kv: _order(kv[0])):
        row.statuses[status] += 1
        entry = equivalents.get(mutant)
        if status == "killed":
            if entry is not None:
                say(f"  listed as equivalent, but a test kills it: {mutant}")
            continue
        diff = diff_of(target, work, mutant)
        if entry is not None and status == "survived":
            if entry.change == changed_lines(diff):
                row.equivalent += 1
                continue
            say(f"  stale equivalent {mutant}: the mutant now changes {changed_lines(diff)!r}")
        row.survivors.append(mutant)
        say(f"  {status}: {mutant}")
        say("    " + "\n    ".join(diff.splitlines()[2:]))
    return row


def _order(mutant: str) -> tuple[str, int]:
    stem, _, number = mutant.rpartition("__mutmut_")
    return stem, int(number) if number.isdigit() else 0


def say(line: str = "") -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def table(rows: Iterable[Row]) -> list[str]:
    lines = [
        "| module | mutants | killed | survived | timeout | other | equivalent | score | bar |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        s = row.statuses
        other = row.mutants - s["killed"] - s["survived"] - s["timeout"]
        mark = "" if row.passed else " **FAIL**"
        lines.append(
            f"| {row.target.name} | {row.mutants} | {s['killed']} | {s['survived']} "
            f"| {s['timeout']} | {other} | {row.equivalent} | {row.score:.1f}%{mark} "
            f"| {row.bar:.0f}% |"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="target names (default: all)")
    parser.add_argument("--jobs", type=int, default=2, help="mutmut workers (default 2)")
    parser.add_argument("--keep", action="store_true", help="reuse the work directories")
    parser.add_argument("--list", action="store_true", help="list the targets and exit")
    parser.add_argument("--verbose", action="store_true", help="show mutmut's own output")
    parser.add_argument("--json", type=Path, help="also write the table as JSON")
    args = parser.parse_args(argv)

    known = {t.name: t for t in TARGETS}
    unknown = [name for name in args.targets if name not in known]
    if unknown:
        parser.error(f"unknown target(s) {', '.join(unknown)}; choose from {', '.join(known)}")
    chosen = [known[name] for name in args.targets] if args.targets else list(TARGETS)
    if args.list:
        for t in chosen:
            only = f" [{', '.join(t.functions)}]" if t.functions else ""
            bar = MIN_SCORE_DESTRUCTIVE if t.destructive else MIN_SCORE
            say(f"{t.name}: {t.source}{only} (bar {bar:.0f}%)")
            say(f"    {' '.join(t.tests)}")
        return 0

    from importlib.metadata import version

    if not version("mutmut").startswith("3."):
        say(f"tools/mutation.py needs mutmut 3.x, found {version('mutmut')}")
        return 2
    equivalents = load_equivalents()
    rows: list[Row] = []
    failed: list[str] = []
    started = time.monotonic()
    for target in chosen:
        say(f"== {target.name}: {target.source} ({', '.join(target.tests)})")
        work = prepare(target, args.keep)
        began = time.monotonic()
        code = run_mutmut(target, work, args.jobs, args.verbose)
        if code != 0:
            say(f"  mutmut failed with exit status {code}; see {work / 'mutmut.log'}")
            failed.append(target.name)
            continue
        row = evaluate(target, work, equivalents, say)
        row.seconds = time.monotonic() - began
        say(f"  {row.mutants} mutants in {row.seconds:.0f} s")
        rows.append(row)
    total = time.monotonic() - started

    names = {m for row in rows for m in statuses_of(row.target, WORK / row.target.name)}
    covered = {module_of(t.source) for t in chosen}
    for mutant in sorted(equivalents):
        if mutant not in names and mutant.rpartition(".x")[0] in covered:
            say(f"  equivalents file names an unknown mutant: {mutant}")
    say()
    for line in table(rows):
        say(line)
    say()
    say(f"score = killed / (mutants - equivalent); total {total / 60:.1f} min")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "module": r.target.name,
                        "mutants": r.mutants,
                        **r.statuses,
                        "equivalent": r.equivalent,
                        "score": round(r.score, 1),
                        "seconds": round(r.seconds),
                    }
                    for r in rows
                ],
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    if failed:
        say(f"mutmut failed on {', '.join(failed)}")
        return 2
    return 0 if all(row.passed for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
