"""The `autorun` settings: which telemetry events are the pipeline's auto-runs, and where
their figures are. Apart from `deliver.autorun` (which reads the events) because loading
the configuration needs every section, and the gate should not pay for the reader.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.config import Choice, SectionSpec, Setting, Text, Values, Words

__all__ = ["DURATION_UNITS", "AutorunConfig", "autorun_section"]

# Seconds per unit of the event's duration field.
DURATION_UNITS = {"ms": 0.001, "s": 1.0}
_DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class AutorunConfig:
    """Which telemetry events are auto-runs, and where their figures are."""

    event: str = "auto_run"
    event_field: str = "event"
    time_field: str = "ts"
    status_field: str = "status"
    ok_statuses: tuple[str, ...] = ("ok",)
    duration_field: str = "duration_ms"
    duration_unit: str = "ms"
    records_field: str = "records_written"
    # Failures are counted over the integrity window (`integrity.window_days`).
    window_days: int = 14

    @property
    def window_s(self) -> float:
        return self.window_days * _DAY


def autorun_section(window_key: str) -> SectionSpec[AutorunConfig]:
    """The `autorun` settings; the failure window is the setting `window_key` (in days)."""
    default = AutorunConfig()

    def build(values: Values) -> AutorunConfig:
        return AutorunConfig(
            event=values["autorun.event"],
            event_field=values["autorun.event_field"],
            time_field=values["autorun.time_field"],
            status_field=values["autorun.status_field"],
            ok_statuses=values["autorun.ok_statuses"],
            duration_field=values["autorun.duration_field"],
            duration_unit=values["autorun.duration_unit"],
            records_field=values["autorun.records_field"],
            window_days=values[window_key],
        )

    return SectionSpec(
        "autorun",
        (
            Setting("autorun.event", Text(), default.event, "the auto-run's telemetry event name"),
            Setting(
                "autorun.event_field",
                Text(),
                default.event_field,
                "the event's field that holds its name",
            ),
            Setting(
                "autorun.time_field",
                Text(),
                default.time_field,
                "the event's time (ISO 8601 with a zone, or Unix seconds)",
            ),
            Setting(
                "autorun.status_field", Text(), default.status_field, "the event's outcome field"
            ),
            Setting(
                "autorun.ok_statuses",
                Words(what="outcome"),
                list(default.ok_statuses),
                "outcomes that mean success (any other is a failure)",
            ),
            Setting(
                "autorun.duration_field",
                Text(),
                default.duration_field,
                "the event's run duration",
            ),
            Setting(
                "autorun.duration_unit",
                Choice(tuple(DURATION_UNITS)),
                default.duration_unit,
                "the duration field's unit",
            ),
            Setting(
                "autorun.records_field",
                Text(),
                default.records_field,
                "the event's count of records written",
            ),
        ),
        build,
    )
