"""The fault harness's settings: the writer under test, its payload and target, trials, seed."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.config import Choice, Count, SectionSpec, Setting, Text, Values

__all__ = [
    "DEFAULT_TRIALS",
    "DEFAULT_WRITER",
    "FAULT",
    "OWN_WRITERS",
    "PAYLOADS",
    "TARGETS",
    "FaultConfig",
]

# opsguard's own writer: what the harness proves when a repository names none of its own.
DEFAULT_WRITER = "opsguard:atomic_write"
# The specs that name opsguard's own writer: a pass proves nothing about a pipeline's writers.
OWN_WRITERS = frozenset({DEFAULT_WRITER, "opsguard.core.atomic:atomic_write"})
DEFAULT_TRIALS = 200
PAYLOADS = ("bytes", "text", "json")
TARGETS = ("file", "directory")


@dataclass(frozen=True, slots=True)
class FaultConfig:
    writer: str = DEFAULT_WRITER
    trials: int = DEFAULT_TRIALS
    # None: a random seed per run (it is in the result, so a run can be repeated).
    seed: int | None = None
    payload: str = "bytes"
    target: str = "file"


def _build(values: Values) -> FaultConfig:
    return FaultConfig(
        writer=values["fault.writer"],
        trials=values["fault.trials"],
        seed=values["fault.seed"],
        payload=values["fault.payload"],
        target=values["fault.target"],
    )


FAULT: SectionSpec[FaultConfig] = SectionSpec(
    "fault",
    (
        Setting(
            "fault.writer",
            Text(),
            DEFAULT_WRITER,
            "the writer under test, MODULE:FUNCTION (modules in the working directory are "
            "found); the default is opsguard's own, which proves nothing about yours",
            flag="--writer",
        ),
        Setting(
            "fault.payload",
            Choice(PAYLOADS),
            "bytes",
            "what the writer is given: bytes, text (str), or json (a record dict of the "
            "integrity fields and band table)",
            flag="--payload",
        ),
        Setting(
            "fault.target",
            Choice(TARGETS),
            "file",
            "file: writer(path, data); directory: the writer is a factory(directory) returning "
            "writer(data) or an object with write(data), e.g. a RecordStore",
            flag="--target",
        ),
        Setting("fault.trials", Count(1, 100_000), DEFAULT_TRIALS, "crash trials", flag="--trials"),
        Setting(
            "fault.seed",
            Count(0, 2**32 - 1),
            None,
            "seed for sizes and kill moments (default: random)",
            flag="--seed",
        ),
    ),
    _build,
)
