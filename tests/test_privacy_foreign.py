"""Precision and recall on telemetry from outside the domain (GitHub issue #14).

An app that logs the payloads of other domains' public APIs writes keys that
collide with the deny-list: a repository's `full_name` is `owner/repo`, a CI
job's `steps` are objects with a `name`, an installation's permissions map
holds `secret_scanning_alerts: "write"`. This corpus is built from those
shapes (repositories and push events, users, CI jobs, permission maps,
package metadata, web analytics, login logs), with real-looking PII planted
among them: every planted email, person name, coordinate and credential must
be flagged at its pointer, and no look-alike may be.

`measure` is also what the closing note's before/after figures came from
(`python tests/test_privacy_foreign.py` prints them for the opsguard on the path).
"""

from __future__ import annotations

import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from opsguard.privacy import build_policy
from opsguard.privacy.collect import Collector
from opsguard.privacy.scan import Scanner
from opsguard.privacy.settings import PrivacyConfig


@dataclass(frozen=True)
class Planted:
    """A value planted on a line: a leak (with the code it must get) or a look-alike."""

    line: int
    pointer: str
    code: str | None  # None: a look-alike, which must not be flagged
    what: str


_FIRST = ("Jane", "Ahmed", "Mei", "Lucas", "Sofia", "Kwame", "Ingrid", "Mateo", "Aiko", "Noor")
_LAST = ("Leak", "Okafor", "Nakamura", "van Dijk", "Rossi", "Haddad", "Novak", "Silva", "Berg")
_ORGS = ("octo-org", "acme", "pallets", "rust-lang", "psf", "hashicorp", "vercel")
_REPOS = ("hello-world", "flask", "requests", "terraform", "next.js", "rustlings", "cli")
_STEPS = ("Set up job", "Checkout", "Set up Python", "Install", "Test", "Upload coverage")
_PLACES = ((52.3676, 4.9041), (48.8566, 2.3522), (-33.8688, 151.2093), (40.7128, -74.006))
_TOKENS = (
    "ghp_16C7e42F292c6912E7710c838347Ae178B4a",
    "xoxb-17653672481-19874698323-pdFZKVeTuE8sk7oOcBrzbqgy",
    "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
    "AKIAIOSFODNN7EXAMPLEa1b2",
)


class _Corpus:
    """Lines and what was planted on them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)  # noqa: S311  (a reproducible corpus, not a secret)
        self.lines: list[bytes] = []
        self.planted: list[Planted] = []
        self._pending: list[tuple[str, str | None, str]] = []

    def leak(self, pointer: str, code: str, what: str) -> None:
        self._pending.append((pointer, code, what))

    def look_alike(self, pointer: str, what: str) -> None:
        self._pending.append((pointer, None, what))

    def add(self, event: dict[str, Any]) -> None:
        self.lines.append(orjson.dumps(event))
        line = len(self.lines)
        self.planted.extend(Planted(line, p, c, w) for p, c, w in self._pending)
        self._pending = []

    # --- the shapes -------------------------------------------------------------------------

    def person(self) -> str:
        return f"{self.rng.choice(_FIRST)} {self.rng.choice(_LAST)}"

    def email(self) -> str:
        first, last = self.rng.choice(_FIRST), self.rng.choice(_LAST)
        return f"{first.lower()}.{last.lower().replace(' ', '')}@example.org"

    def repository(self) -> dict[str, Any]:
        org, name = self.rng.choice(_ORGS), self.rng.choice(_REPOS)
        return {
            "id": self.rng.randint(10**6, 10**9),
            "node_id": f"R_kgDO{self.rng.getrandbits(40):010x}",
            "name": name,
            "full_name": f"{org}/{name}",
            "private": False,
            "owner": {"login": org, "id": self.rng.randint(1, 10**7), "type": "Organization"},
            "html_url": f"https://github.com/{org}/{name}",
            "description": "A tool that does one thing well",
            "fork": False,
            "default_branch": "main",
            "stargazers_count": self.rng.randint(0, 5000),
            "topics": ["cli", "python"],
            "visibility": "public",
            "permissions": {
                "admin": False,
                "maintain": False,
                "push": True,
                "triage": True,
                "pull": True,
            },
        }

    def push_event(self, leaky: bool) -> None:
        self.look_alike("/repository/full_name", "repository slug")
        event: dict[str, Any] = {
            "event": "push",
            "ref": "refs/heads/main",
            "repository": self.repository(),
            "sender": {"login": "octocat", "id": 583231, "site_admin": False},
        }
        if leaky:
            self.leak("/pusher/full_name", "pii", "person name under full_name")
            self.leak("/pusher/email", "pii", "email address")
            self.leak("/head_commit/author/username", "pii", "username")
            self.leak("/head_commit/author/email", "pii", "email address")
            event["pusher"] = {"full_name": self.person(), "email": self.email()}
            event["head_commit"] = {
                "id": f"{self.rng.getrandbits(160):040x}",
                "message": "Fix the flaky retry test",
                "author": {"name": "J", "username": "jleak", "email": self.email()},
            }
        self.add(event)

    def user(self) -> None:
        self.leak("/user/full_name", "pii", "person name (Gitea user)")
        self.leak("/user/email", "pii", "email address")
        self.look_alike("/user/visibility_role/display_name", "role word")
        self.add(
            {
                "event": "user_sync",
                "user": {
                    "id": self.rng.randint(1, 10**5),
                    "login": "jleak",
                    "full_name": self.person(),
                    "email": self.email(),
                    "language": "en-US",
                    "is_admin": False,
                    "visibility": "public",
                    "visibility_role": {"name": "read", "display_name": "Read"},
                },
            }
        )

    def ci_job(self, leaky: bool) -> None:
        self.look_alike("/workflow_job/steps", "CI steps")
        steps = [
            {
                "name": name,
                "status": "completed",
                "conclusion": "success",
                "number": number,
                "started_at": "2025-08-01T06:00:03Z",
                "completed_at": "2025-08-01T06:00:09Z",
            }
            for number, name in enumerate(_STEPS, 1)
        ]
        job: dict[str, Any] = {
            "id": self.rng.randint(10**9, 10**10),
            "run_id": self.rng.randint(10**9, 10**10),
            "workflow_name": "CI",
            "head_branch": "main",
            "status": "completed",
            "conclusion": "success",
            "name": "test (3.11)",
            "steps": steps,
            "labels": ["ubuntu-latest"],
            "runner_name": "GitHub Actions 2",
            "runner_group_name": "GitHub Actions",
        }
        env: dict[str, str] = {"CI": "true"}
        if leaky:
            self.leak("/env/API_TOKEN", "secret", "API token")
            env["API_TOKEN"] = self.rng.choice(_TOKENS)
        else:
            self.look_alike("/env/API_TOKEN", "reference to a secret")
            self.look_alike("/env/NPM_TOKEN", "masked token")
            env["API_TOKEN"] = "${{ secrets.API_TOKEN }}"  # noqa: S105  (a look-alike)
            env["NPM_TOKEN"] = "***"  # noqa: S105  (a look-alike)
        self.add({"event": "workflow_job", "action": "completed", "workflow_job": job, "env": env})

    def installation(self) -> None:
        self.look_alike("/installation/permissions/secret_scanning_alerts", "permission word")
        self.add(
            {
                "event": "installation",
                "action": "created",
                "installation": {
                    "id": self.rng.randint(1, 10**7),
                    "app_slug": "release-bot",
                    "target_type": "Organization",
                    "permissions": {
                        "checks": "write",
                        "contents": "read",
                        "metadata": "read",
                        "secret_scanning_alerts": "write",
                        "secrets": "read",
                        "actions": "write",
                    },
                    "events": ["push", "pull_request"],
                    "repository_selection": "selected",
                },
            }
        )

    def package(self, leaky: bool) -> None:
        name = self.rng.choice(_REPOS)
        event: dict[str, Any] = {
            "event": "package_metadata",
            "name": name,
            "version": f"1.{self.rng.randint(0, 20)}.{self.rng.randint(0, 9)}",
            "description": "Pad a string on the left",
            "license": "MIT",
            "keywords": ["string", "pad"],
            "dist": {
                "shasum": f"{self.rng.getrandbits(160):040x}",
                "tarball": f"https://registry.example.org/{name}/-/{name}-1.3.0.tgz",
            },
            "repository": {"type": "git", "url": f"git+https://example.org/{name}.git"},
            "requires_python": ">=3.8",
        }
        if leaky:
            self.leak("/author/email", "pii", "email address")
            self.leak("/maintainers/0/email", "pii", "email address")
            event["author"] = {"name": self.person(), "email": self.email()}
            event["maintainers"] = [{"name": "jleak", "email": self.email()}]
        else:
            self.look_alike("/author/display_name", "placeholder")
            event["author"] = {"display_name": "n/a", "url": "https://example.org"}
        self.add(event)

    def page_view(self, leaky: bool) -> None:
        geo: dict[str, Any] = {"country": "NL", "region": "NH"}
        if leaky:
            lat, lon = self.rng.choice(_PLACES)
            self.leak("/geo/lat", "location", "latitude")
            self.leak("/geo/lon", "location", "longitude")
            geo.update(lat=lat, lon=lon)
        else:
            self.look_alike("/device/gps", "switch word")
            self.look_alike("/device/geolocation", "permission word")
        self.add(
            {
                "event": "page_view",
                "path": "/docs/getting-started",
                "geo": geo,
                "device": {"os": "Linux", "gps": "disabled", "geolocation": "denied"},
                "duration_ms": self.rng.randint(10, 9000),
            }
        )

    def login(self, leaky: bool) -> None:
        if leaky:
            self.leak("/password", "secret", "password")
            self.leak("/headers/Authorization", "secret", "Bearer credential")
            self.add(
                {
                    "event": "login",
                    "user": "jleak",
                    "password": "hunter2-Correct-Horse",
                    "headers": {"Authorization": f"Bearer {self.rng.choice(_TOKENS)}"},
                }
            )
        else:
            self.look_alike("/password", "masked password")
            self.look_alike("/headers/Authorization", "redacted header")
            self.look_alike("/mfa/secret_configured", "boolean")
            self.add(
                {
                    "event": "login",
                    "user": "jleak",
                    "password": "********",
                    "headers": {"Authorization": "[REDACTED]"},
                    "mfa": {"secret_configured": True},
                }
            )

    def theme(self) -> None:
        self.look_alike("/theme/heading/weight", "font weight")
        self.add({"event": "settings", "theme": {"heading": {"weight": "bold", "size": "2xl"}}})


def build(seed: int = 14, rounds: int = 40) -> _Corpus:
    """The corpus: `rounds` of every shape, a third of them with PII planted."""
    corpus = _Corpus(seed)
    for n in range(rounds):
        leaky = n % 3 == 0
        corpus.push_event(leaky)
        if n % 4 == 0:
            corpus.user()
        corpus.ci_job(leaky)
        corpus.installation()
        corpus.package(leaky)
        corpus.page_view(leaky)
        corpus.login(leaky)
        if n % 5 == 0:
            corpus.theme()
    return corpus


@dataclass(frozen=True)
class Measure:
    leaks: int
    caught: int
    look_alikes: int
    look_alikes_flagged: int
    findings: int
    true_findings: int

    @property
    def recall(self) -> float:
        return self.caught / self.leaks

    @property
    def precision(self) -> float:
        return self.true_findings / self.findings if self.findings else 1.0


def measure(corpus: _Corpus, directory: Path) -> tuple[Measure, list[Any], list[Planted]]:
    """Scan the corpus; its figures, the findings, and the planted values missed or flagged."""
    path = directory / "foreign.jsonl"
    path.write_bytes(b"\n".join(corpus.lines) + b"\n")
    collector = Collector(limit=1_000_000)
    Scanner(build_policy(PrivacyConfig()), collector).scan([path], directory)
    errors = [f for f in collector.findings if f.severity == "error"]
    at = {(f.line, f.pointer): f for f in errors}
    leaks = [p for p in corpus.planted if p.code is not None]
    look_alikes = [p for p in corpus.planted if p.code is None]
    wrong = [p for p in leaks if (p.line, p.pointer) not in at]
    wrong += [p for p in look_alikes if (p.line, p.pointer) in at]
    planted_leaks = {(p.line, p.pointer) for p in leaks}
    return (
        Measure(
            len(leaks),
            sum(1 for p in leaks if (p.line, p.pointer) in at),
            len(look_alikes),
            sum(1 for p in look_alikes if (p.line, p.pointer) in at),
            len(errors),
            sum(1 for f in errors if (f.line, f.pointer) in planted_leaks),
        ),
        errors,
        wrong,
    )


def test_every_planted_leak_is_flagged_and_no_look_alike(tmp_path: Path) -> None:
    corpus = build()
    figures, errors, wrong = measure(corpus, tmp_path)

    assert figures.leaks > 150 and figures.look_alikes > 300  # the corpus is what it says
    assert wrong == []
    assert figures.caught == figures.leaks
    assert figures.look_alikes_flagged == 0
    # Every failing finding is a planted leak: nothing else in these payloads is flagged.
    assert figures.true_findings == figures.findings, [
        (f.line, f.pointer, f.message) for f in errors
    ]
    # The right code at each planted leak.
    codes = {(f.line, f.pointer): f.code for f in errors}
    assert all(codes[(p.line, p.pointer)] == p.code for p in corpus.planted if p.code)


def test_no_planted_value_reaches_a_message(tmp_path: Path) -> None:
    corpus = build(rounds=6)
    _, errors, _ = measure(corpus, tmp_path)
    text = "\n".join(f"{f.pointer} {f.message}" for f in errors)

    for token in _TOKENS:
        assert token not in text
    assert "@example.org" not in text
    assert "52.3676" not in text


if __name__ == "__main__":  # the figures for the closing note of issue #14
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        figures, _, wrong = measure(build(), Path(scratch))
    print(
        f"{figures.leaks} leaks, {figures.look_alikes} look-alikes; "
        f"recall {figures.caught}/{figures.leaks} = {figures.recall:.1%}; "
        f"precision {figures.true_findings}/{figures.findings} = {figures.precision:.1%}; "
        f"look-alikes flagged {figures.look_alikes_flagged}/{figures.look_alikes}",
        file=sys.stdout,
    )
