"""The canary: plant synthetic leaks of every kind, scan them, demand every one back.

A scanner that silently stops matching (a refactor, a broken regex, a
prefilter that skips too much) still reports "clean". The self-test writes
leaks into a temporary directory — every deny group in camelCase,
snake_case, kebab-case and SCREAMING_CASE, at the top, nested in objects and
inside arrays, in JSON strings and in free text, emails, coordinates, JWTs,
Bearer and OAuth credentials, a torn JSONL line, a pretty-printed `.json`
document, a log with NUL bytes, a UTF-16 log, a binary file — beside clean
lines that only look risky (`steps_completed`, `sleep_ms`, `heartbeat`,
`stress_test_id`, `token_count`) and look-alike values under denied keys (a
repository slug under `full_name`, a permission word under
`secret_scanning_alerts`, masked and referenced secrets, a list of CI steps
under `steps`), scans them with the real scanner, and fails unless every
leak is reported at its file, line (and pointer) and no clean line or
look-alike is.

It tests the engine and the built-in deny-list, plus any names configured in
`privacy.deny` (one leak each). `safe_keys`, suppressions and `replace_defaults`
are left out on purpose: they change what the user's data may contain, not
whether the scanner works. Allowlist mode gets its own small case.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from ..core.atomic import atomic_write
from ..core.result import Finding
from .collect import Collector
from .policy import build_policy
from .scan import BLOCK_SIZE, Scanner
from .settings import PrivacyConfig

__all__ = ["CanaryCase", "SelfTestReport", "canary_files", "run_self_test"]

# One base name per deny kind, as tokens: each becomes camel/snake/kebab/SCREAMING keys.
_KINDS: tuple[tuple[str, str, tuple[str, ...], object], ...] = (
    ("raw-metric", "heart rate", ("resting", "heart", "rate"), 52),
    ("raw-metric", "HRV", ("last", "night", "avg"), 41),
    ("raw-metric", "HRV", ("hrv", "ms"), 41),
    ("raw-metric", "SpO2", ("average", "spo2"), 97),
    ("raw-metric", "respiration", ("avg", "waking", "respiration", "value"), 14.5),
    ("raw-metric", "stress", ("average", "stress", "level"), 31),
    ("raw-metric", "body battery", ("body", "battery", "charged", "value"), 60),
    ("raw-metric", "sleep", ("deep", "sleep", "seconds"), 5400),
    ("raw-metric", "activity", ("total", "steps"), 8042),
    ("raw-metric", "fitness", ("vo2", "max", "value"), 48.0),
    ("raw-metric", "body composition", ("body", "fat"), 18.2),
    ("raw-metric", "blood pressure", ("systolic",), 118),
    ("location", "location", ("start", "latitude"), 52.3731),
    ("location", "location", ("position", "long"), 4.8922),
    ("pii", "identity", ("display", "name"), "canary person"),
    ("pii", "email", ("email", "address"), "not-an-address"),
    ("pii", "phone", ("phone", "number"), "canary-phone"),
    ("secret", "credential", ("refresh", "token"), "canary-token-value"),
    ("secret", "credential", ("client", "secret"), "canary-secret-value"),
)

_CLEAN_JSONL: tuple[str, ...] = (
    '{"ts":"2025-06-16T06:00:22Z","event":"auto_run","status":"ok","duration_ms":2789,'
    '"records_written":1,"steps_completed":4,"retry":{"attempts":1,"sleep_ms":0}}',
    '{"ts":"2025-06-16T06:00:23Z","event":"fetch","heartbeat":"ok","stress_test_id":"st-1",'
    '"token_count":12,"weekly_avg_duration_ms":120,"retry.sleep_ms":200,"step":3}',
    '{"ts":"2025-06-16T06:00:24Z","event":"write","msg":"wrote 1 record in 35 ms",'
    '"payload":{"status":"ok","items":[{"name":"score"},{"name":"band"}]}}',
    '{"ts":"2025-06-16T06:00:25Z","event":"retry","msg":"Bearer authentication failed, '
    'retrying","version":"1.4.2","sleep":"backoff"}',
)
# Clean lines with every shape the planted leaks use (the same container keys at the
# same depths), so that after them the scanner meets the leaks in its steady state.
_PADDING: tuple[str, ...] = (
    '{"event":"fetch","payload":{"data":{"status":"ok","bytes":512}},"retry":{"sleep_ms":0}}',
    '{"event":"fetch","items":[{"ok":true},{"name":"score"}],"steps_completed":2}',
    '{"event":"fetch","msg":"wrote 1 record","notes":["ok","done"],"heartbeat":"ok"}',
    '{"event":"fetch","summary":{"status":"ok"},"values":[[1,2],[3,4]]}',
)
_CLEAN_LOG: tuple[str, ...] = (
    "2025-06-16T06:00:05Z INFO auto_run status=ok duration_ms=3315 records_written=1 heartbeat=ok",
    "2025-06-16T06:00:06Z INFO retry attempt=2 sleep_ms=200 steps_completed=3",
    "2025-06-16T06:00:07Z WARN fetch took 35 ms (timeout: 30 s)",
)
# Precision: clean values under denied keys, each alone on its line (what the key proposes,
# the value refutes). Telemetry of other domains' APIs carries exactly these.
_LOOK_ALIKES: tuple[tuple[str, dict[str, object]], ...] = (
    ("repository slug under an identity key", {"repository": {"full_name": "octo-org/hello"}}),
    ("role word under an identity key", {"role": {"display_name": "Write"}}),
    ("booleans under an identity key", {"user_profile": {"public": True, "searchable": False}}),
    (
        "permission word under a credential key",
        {"permissions": {"secret_scanning_alerts": "write"}},
    ),
    ("masked password", {"password": "********"}),
    ("redacted header", {"headers": {"Authorization": "[REDACTED]"}}),
    ("reference to a secret", {"env": {"API_TOKEN": "${{ secrets.API_TOKEN }}"}}),
    ("boolean under a credential key", {"has_secret": True}),
    (
        "list of CI steps under a metric key",
        {"steps": [{"name": "Checkout", "status": "completed", "number": 1}]},
    ),
    ("word under a metric key", {"font": {"weight": "bold"}}),
    ("word under a coordinate key", {"device": {"gps": "disabled"}}),
)
_LOG_LOOK_ALIKES: tuple[tuple[str, str], ...] = (
    ("permission word in a log", "INFO grant secret_scanning_alerts=write"),
    ("slug in a log", "INFO push full_name=octo-org/hello"),
    ("masked token in a log", "INFO auth token=*** ok"),
)
_JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjYW5hcnkifQ.c2lnbmF0dXJlLWNhbmFyeQ"
_STRING_LEAKS: tuple[tuple[str, str, str], ...] = (
    ("pii", "email address in a string", "contact canary.person@example.org now"),
    ("location", "coordinates in a string", "at 52.37310,4.89220"),
    ("secret", "JWT in a string", f"token {_JWT}"),
    ("secret", "Bearer credential in a string", "Authorization Bearer cAnArY0123456789abcdef"),
    ("secret", "OAuth credential in a string", 'OAuth oauth_consumer_key="canary0123456789"'),
    ("raw-metric", "key=value in a string", "fetched rhr=52 spo2=97"),
    ("raw-metric", "key: value in a string", "hrv: 41ms"),
    ("raw-metric", "key value unit in a string", "resting hr 52 bpm"),
    ("raw-metric", "JSON inside a string", '{"restingHeartRate": 52}'),
)
_LOG_LEAKS: tuple[tuple[str, str, str], ...] = (
    ("raw-metric", "key=value in a log", "INFO fetched rhr=52 spo2=97"),
    ("raw-metric", "key: value in a log", "INFO hrv: 41ms"),
    ("raw-metric", "key value unit in a log", "INFO resting_heart_rate 52 bpm"),
    ("raw-metric", "tab-separated key=value in a log", "INFO\tstress=31"),
    ("raw-metric", "JSON in a log", 'DEBUG payload={"bodyBatteryChargedValue": 60}'),
    ("pii", "email in a log", "INFO user=canary.person@example.org"),
    ("location", "coordinates in a log", "INFO start 52.37310, 4.89220"),
    ("secret", "Bearer header in a log", "DEBUG Authorization: Bearer cAnArY0123456789abcdef"),
    ("secret", "JWT in a log", f"DEBUG session {_JWT}"),
    ("secret", "OAuth token in a URL in a log", "GET /x?oauth_token=canary0123456789"),
)


@dataclass(frozen=True, slots=True)
class CanaryCase:
    """One planted line: a leak (with its expected code) or a clean line (code None)."""

    file: str
    line: int
    code: str | None
    description: str
    pointer: str | None = None  # checked when given
    look_alike: bool = False  # a clean value under a denied key (code None)


@dataclass(frozen=True, slots=True)
class SelfTestReport:
    leaks: int
    clean_lines: int
    missed: tuple[CanaryCase, ...]
    false_positives: tuple[tuple[CanaryCase, Finding], ...]
    findings: int

    look_alikes: int = 0

    @property
    def caught(self) -> int:
        return self.leaks - len(self.missed)

    @property
    def look_alikes_flagged(self) -> int:
        return len({case for case, _ in self.false_positives if case.look_alike})

    @property
    def clean_lines_flagged(self) -> int:
        return len({case for case, _ in self.false_positives if not case.look_alike})

    @property
    def passed(self) -> bool:
        return not self.missed and not self.false_positives


@dataclass
class _Builder:
    """Collects the lines of each canary file and the cases planted in them."""

    files: dict[str, list[str]] = field(default_factory=dict)
    cases: list[CanaryCase] = field(default_factory=list)

    def line(
        self,
        file: str,
        text: str,
        code: str | None,
        description: str,
        pointer: str | None = None,
        *,
        look_alike: bool = False,
    ) -> None:
        lines = self.files.setdefault(file, [])
        lines.append(text)
        self.cases.append(CanaryCase(file, len(lines), code, description, pointer, look_alike))


def _spellings(tokens: tuple[str, ...]) -> Iterator[tuple[str, str]]:
    yield "camelCase", tokens[0] + "".join(t[:1].upper() + t[1:] for t in tokens[1:])
    yield "snake_case", "_".join(tokens)
    yield "kebab-case", "-".join(tokens)
    yield "SCREAMING_CASE", "_".join(tokens).upper()


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


def canary_files(
    extra_names: Sequence[tuple[str, str]] = (),
) -> tuple[dict[str, str], list[CanaryCase]]:
    """The canary's files (name -> text) and cases; `extra_names` are (group, name) pairs.

    The JSONL leaks are planted twice: at the start, where the scanner meets
    every shape for the first time, and again after more than a block of
    clean lines of the same shapes, where it runs in its steady state (the
    fast path following the container keys it has learned).
    """
    b = _Builder()
    jsonl = "canary.jsonl"
    for line in _CLEAN_JSONL:
        b.line(jsonl, line, None, "clean telemetry line")
    _plant_jsonl(b, jsonl, extra_names, "first block")
    padding = 0
    while padding <= BLOCK_SIZE:
        for line in _PADDING:
            b.line(jsonl, line, None, "clean line of the same shapes as the leaks")
            padding += len(line) + 1
    _plant_jsonl(b, jsonl, extra_names, "steady state")

    log = "canary.log"
    for line in _CLEAN_LOG:
        b.line(log, line, None, "clean log line")
    for code, what, text in _LOG_LEAKS:
        b.line(log, f"2025-06-16T06:00:08Z {text}", code, what)
    for what, text in _LOG_LOOK_ALIKES:
        b.line(log, f"2025-06-16T06:00:09Z {text}", None, what, look_alike=True)

    files = {name: "\n".join(lines) + "\n" for name, lines in b.files.items()}
    # A pretty-printed document: the leak is on line 5, at /runs/0/payload/avgSleepHRV.
    files["canary.json"] = (
        '{\n  "event": "daily",\n  "runs": [\n    {"status": "ok", "payload": {\n'
        '      "avgSleepHRV": 43\n    }}\n  ]\n}\n'
    )
    b.cases.append(
        CanaryCase(
            "canary.json",
            5,
            "raw-metric",
            "HRV key in a .json document",
            "/runs/0/payload/avgSleepHRV",
        )
    )
    b.cases.extend(
        CanaryCase("canary.json", n, None, "clean .json line") for n in (1, 2, 3, 4, 6, 7, 8)
    )
    return files, b.cases


def _plant_jsonl(
    b: _Builder, jsonl: str, extra_names: Sequence[tuple[str, str]], phase: str
) -> None:
    for code, kind, tokens, value in _KINDS:
        for style, key in _spellings(tokens):
            what = f"{kind} key {key!r} ({style}, {phase})"
            b.line(
                jsonl, _json({"event": "fetch", key: value}), code, f"{what} at the top", f"/{key}"
            )
            b.line(
                jsonl,
                _json({"event": "fetch", "payload": {"data": {key: value}}}),
                code,
                f"{what} nested in objects",
                f"/payload/data/{key}",
            )
            b.line(
                jsonl,
                _json({"event": "fetch", "items": [{"ok": True}, {key: value}]}),
                code,
                f"{what} inside an array",
                f"/items/1/{key}",
            )
        b.line(jsonl, _CLEAN_JSONL[0], None, "clean telemetry line between leaks")
    for group, name in extra_names:
        b.line(
            jsonl, _json({"event": "fetch", name: 1}), group, f"configured {group} name {name!r}"
        )
    steady = phase == "steady state"
    for what, fields in _LOOK_ALIKES:
        line = _json({"event": "fetch", **fields})
        b.line(jsonl, line, None, f"{what} ({phase})", look_alike=True)
    for code, what, text in _STRING_LEAKS:
        if steady and "{" in text:
            continue  # a brace in a string sends its block to the exact full pass
        b.line(jsonl, _json({"event": "fetch", "msg": text}), code, f"{what} ({phase})", "/msg")
        b.line(
            jsonl,
            _json({"event": "fetch", "notes": ["ok", text]}),
            code,
            f"{what} in an array ({phase})",
            "/notes/1",
        )
    b.line(
        jsonl,
        _json({"event": "fetch", "hrvSummary": {"weeklyAvg": 44, "lastNightAvg": 41}}),
        "raw-metric",
        f"HRV summary object: its leaf keys ({phase})",
        "/hrvSummary/lastNightAvg",
    )
    b.line(
        jsonl,
        _json({"event": "fetch", "bodyBatteryValuesArray": [[1, 60], [2, 58]]}),
        "raw-metric",
        f"body battery array of arrays: the key itself ({phase})",
        "/bodyBatteryValuesArray",
    )
    if not steady:  # an invalid line, too, sends its block to the exact full pass
        b.line(
            jsonl,
            '{"event":"fetch","payload":{"restingHeartRate":52',
            "raw-metric",
            "torn JSONL line, scanned as text",
        )
        b.line(jsonl, _CLEAN_JSONL[1], None, "clean telemetry line after a torn one")


def _scan(directory: Path, privacy: PrivacyConfig) -> list[Finding]:
    collector = Collector(limit=1_000_000)
    # The byte prefilter from the first byte: the canary proves the path large files take.
    Scanner(build_policy(privacy), collector, prefilter_from=0).scan([directory], directory)
    return collector.findings


def run_self_test(privacy: PrivacyConfig) -> SelfTestReport:
    """Plant, scan, compare. Uses a fresh temporary directory, removed afterwards."""
    extra = tuple((group, name) for group, names in privacy.deny.items() for name in names)
    files, cases = canary_files(extra)
    canary_config = PrivacyConfig(deny=privacy.deny)
    allow_config = PrivacyConfig(
        mode="allowlist", allow=("event", "status", "payload.status", "payload.items.*")
    )
    with tempfile.TemporaryDirectory(prefix="opsguard-canary-") as scratch:
        root = Path(scratch)
        plain, allow_dir = root / "plain", root / "allow"
        plain.mkdir()
        allow_dir.mkdir()
        for name, text in files.items():
            atomic_write(plain / name, text, durable=False)
        # Text with NUL bytes and UTF-16 text: read, and their leaks caught. Binary data with
        # a telemetry suffix: a failing `unreadable`, never passed in silence.
        atomic_write(plain / "canary-nul.log", b"INFO fetched\x00 rhr=52\x00\x00\n", durable=False)
        atomic_write(
            plain / "canary-utf16.log", "INFO fetched spo2=97\n".encode("utf-16"), durable=False
        )
        atomic_write(
            plain / "canary-binary.jsonl", bytes(range(256)) * 16 + b"rhr=52\n", durable=False
        )
        allow_lines = (
            '{"event":"fetch","status":"ok","payload":{"status":"ok","items":[{"id":1}]}}',
            '{"event":"fetch","payload":{"status":"ok","debugDump":"x"}}',
        )
        atomic_write(allow_dir / "canary-allow.jsonl", "\n".join(allow_lines) + "\n", durable=False)
        findings = [*_scan(plain, canary_config), *_scan(allow_dir, allow_config)]
    cases = [
        *cases,
        CanaryCase("canary-nul.log", 1, "raw-metric", "key=value in a log with NUL bytes"),
        CanaryCase("canary-utf16.log", 1, "raw-metric", "key=value in a UTF-16 log"),
        CanaryCase("canary-binary.jsonl", 0, "unreadable", "binary file reported unreadable"),
        CanaryCase("canary-allow.jsonl", 1, None, "allowlist: every key declared"),
        CanaryCase(
            "canary-allow.jsonl",
            2,
            "unknown-field",
            "allowlist: undeclared key",
            "/payload/debugDump",
        ),
    ]
    return _compare(cases, findings)


def _compare(cases: Sequence[CanaryCase], findings: Sequence[Finding]) -> SelfTestReport:
    by_place: dict[tuple[str, int], list[Finding]] = {}
    for finding in findings:
        by_place.setdefault((finding.path, finding.line or 0), []).append(finding)
    missed: list[CanaryCase] = []
    false_positives: list[tuple[CanaryCase, Finding]] = []
    leaks = clean = look_alikes = 0
    for case in cases:
        here = by_place.get((case.file, case.line), [])
        if case.code is None:
            if case.look_alike:
                look_alikes += 1
            else:
                clean += 1
            false_positives.extend((case, f) for f in here if f.severity == "error")
            continue
        leaks += 1
        if not any(
            f.code == case.code and (case.pointer is None or f.pointer == case.pointer)
            for f in here
        ):
            missed.append(case)
    return SelfTestReport(
        leaks, clean, tuple(missed), tuple(false_positives), len(findings), look_alikes
    )
