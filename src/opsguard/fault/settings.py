"""The fault harness's settings: the writer under test, how many crash trials, the seed."""

from __future__ import annotations

from dataclasses import dataclass

from ..core.config import Count, SectionSpec, Setting, Text, Values

__all__ = ["DEFAULT_TRIALS", "DEFAULT_WRITER", "FAULT", "FaultConfig"]

# opsguard's own writer: what the harness proves when a repository names none of its own.
DEFAULT_WRITER = "opsguard:atomic_write"
DEFAULT_TRIALS = 200


@dataclass(frozen=True, slots=True)
class FaultConfig:
    writer: str = DEFAULT_WRITER
    trials: int = DEFAULT_TRIALS
    # None: a random seed per run (it is in the result, so a run can be repeated).
    seed: int | None = None


def _build(values: Values) -> FaultConfig:
    return FaultConfig(
        writer=values["fault.writer"], trials=values["fault.trials"], seed=values["fault.seed"]
    )


FAULT: SectionSpec[FaultConfig] = SectionSpec(
    "fault",
    (
        Setting(
            "fault.writer",
            Text(),
            DEFAULT_WRITER,
            "the writer under test, MODULE:FUNCTION (modules in the working directory are found)",
            flag="--writer",
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
