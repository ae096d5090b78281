"""The default deny-list: realistic Garmin and GarminDB names, grouped by kind.

Why a hand-made list: secret scanners (detect-secrets, gitleaks) look for
credentials and PII engines (Presidio, scrubadub) for entities in prose; none
flags `"restingHeartRate": 52`. The names below come from python-garminconnect
(`typed.py` aliases give both spellings) and GarminDB's JSON-to-column maps
(anchors/privacy_integrity.md, section 4), plus the identity and credential
fields a fetcher handles.

Entry syntax (see `keys.py`): a key name, matched after normalization; `*` at
an end lets other tokens stand there. Without `*` an entry must be the whole
key. Bare words that pipelines also use (`sleep`, `step`, `location`,
`position`, `distance`, `score`) are deliberately absent; words that are
metrics only when they are the whole key (`steps`, `stress`, `weight`, `hr`,
`lat`) are exact; terms that never name anything but a body measurement
(`*hrv*`, `*spo2*`, `*heart rate*`) match anywhere. docs/privacy.md lists
every decision.

Groups are the finding codes. Their order is the precedence when one key
matches entries of two groups: secret, pii, location, raw-metric. Each
(group, kind) has a value class (`values.value_class`): what a value must
look like to confirm the key's finding.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..core.errors import ConfigError
from .keys import DenyEntry, parse_entry
from .settings import PRIVACY_GROUPS, PrivacyConfig

__all__ = ["DEFAULT_DENY", "GROUP_ORDER", "build_entries", "default_names"]

# Precedence when a key matches entries of several groups (the same groups as the config's).
GROUP_ORDER: tuple[str, ...] = ("secret", "pii", "location", "raw-metric")
if set(GROUP_ORDER) != set(PRIVACY_GROUPS):  # pragma: no cover - a programming error
    raise ImportError("privacy deny groups differ between denylist.py and config.py")

# group -> label -> entries. The label is the kind a finding names ("heart rate key 'rhr'").
DEFAULT_DENY: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "secret": {
        "credential": (
            "*password*",
            "passwd",
            "*secret*",
            "token",
            "*access token*",
            "*refresh token*",
            "*id token*",
            "*auth token*",
            "*session token*",
            "*api token*",
            "*bearer token*",
            "*csrf token*",
            "*oauth*",
            "*jwt*",
            "*api key*",
            "apikey",
            "*private key*",
            "*authorization*",
            "cookie",
            "*set cookie*",
            "*credentials*",
            "credential",
            "*session id*",
        ),
    },
    "pii": {
        "identity": (
            "*display name*",
            "*full name*",
            "*user name*",
            "username",
            "*first name*",
            "*last name*",
            "*user profile*",
            "profile id",
            "*garmin guid*",
            "owner id",
            "user id",
            "*serial number*",
            "*birth date*",
            "*date of birth*",
            "dob",
            "age",
            "gender",
        ),
        "email": ("email", "*email address*", "user email"),
        "phone": ("phone", "*phone number*", "*mobile number*"),
    },
    "location": {
        "coordinate": (
            "*latitude*",
            "*longitude*",
            "lat",
            "lon",
            "lng",
            "*lat lon*",
            "*lat lng*",
            "start lat",
            "start lon",
            "start long",
            "stop lat",
            "stop long",
            "end lat",
            "end lon",
            "end long",
            "position lat",
            "position long",
            "coordinates",
            "*geolocation*",
            "geo",
            "*gps*",
        ),
        "place": (
            "*location name*",
            "*home address*",
            "*street address*",
        ),
    },
    "raw-metric": {
        "heart rate": (
            "*heart rate*",
            "heartrate",
            "*rhr*",
            "hr",
            "*resting hr*",
            "average hr",
            "avg hr",
            "max hr",
            "min hr",
            "hr avg",
            "hr min",
            "hr max",
            "*hrz*",
            "*bpm*",
            "pulse",
            "*pulse rate*",
        ),
        "HRV": (
            "*hrv*",
            "weekly avg",
            "*last night avg*",
            "*last night 5 min high*",
            "balanced low",
            "balanced upper",
            "baseline low",
            "baseline upper",
        ),
        "SpO2/respiration": (
            "*spo2*",
            "*pulse ox*",
            "*respiration*",
            "*breathing rate*",
            "rr",
            "rr avg",
            "rr min",
            "rr max",
            "*rr waking*",
        ),
        "stress": (
            "stress",
            "*stress level*",
            "*stress duration*",
            "*stress score*",
            "stress avg",
            "stress max",
            "stress min",
        ),
        "body battery": (
            "*body battery*",
            "bb",
            "bb charged",
            "bb drained",
            "bb max",
            "bb min",
        ),
        "sleep": (
            "*deep sleep*",
            "*light sleep*",
            "*rem sleep*",
            "*awake sleep*",
            "*sleeping seconds*",
            "*sleep score*",
            "*sleep scores*",
            "*total sleep*",
            "*sleep stage*",
            "*sleep quality*",
            "sleep time seconds",
            "sleep avg",
        ),
        "activity": (
            "steps",
            "*total steps*",
            "*step count*",
            "*step goal*",
            "*floors ascended*",
            "*floors descended*",
            "*floors climbed*",
            "floors up",
            "floors down",
            "*kilocalories*",
            "*calories*",
            "*kcal*",
            "*intensity minutes*",
            "*total distance*",
        ),
        "fitness and body": (
            "*vo2*",
            "*fitness age*",
            "weight",
            "*body weight*",
            "weight kg",
            "*percent fat*",
            "*body fat*",
            "*bone mass*",
            "*muscle mass*",
            "*body water*",
            "*bmi*",
            "*systolic*",
            "*diastolic*",
            "*blood pressure*",
            "*glucose*",
            "*body temperature*",
            "*skin temperature*",
            "recovery time",
            "*training readiness*",
            "*menstrual*",
            "*pregnancy*",
        ),
    },
}

CONFIGURED_LABEL = "configured"


def default_names(group: str) -> tuple[str, ...]:
    """Every built-in entry of one group, in order."""
    return tuple(name for names in DEFAULT_DENY.get(group, {}).values() for name in names)


def build_entries(privacy: PrivacyConfig) -> tuple[DenyEntry, ...]:
    """The effective deny entries: defaults (unless replaced) plus configured names.

    A configured name with no letter or digit is a ConfigError (exit 2): it
    could never match, which is surely not what was meant.
    """
    entries: list[DenyEntry] = []
    for group in GROUP_ORDER:
        if group not in privacy.replace_defaults:
            for label, names in DEFAULT_DENY[group].items():
                entries.extend(
                    entry for name in names if (entry := parse_entry(name, group, label))
                )
        for name in privacy.deny.get(group, ()):
            entry = parse_entry(name, group, CONFIGURED_LABEL)
            if entry is None:
                raise ConfigError(
                    f"privacy.deny.{group}: {name!r} has no letter or digit and can never match"
                )
            entries.append(entry)
    return tuple(entries)
