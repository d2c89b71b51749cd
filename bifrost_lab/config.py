"""Settings: one table of name, default and help; environment overrides are read here and nowhere else."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "bifrost-lab"


@dataclass(frozen=True)
class Setting:
    name: str
    env: str
    default: str
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting("db_url", "BIFROST_DB_URL", "", "Database URL; empty = a SQLite file in the user data directory"),
    Setting("labs_dir", "BIFROST_LABS_DIR", "", "Folder with programme YAML files; empty = labs/ next to the package"),
    Setting("participant_url", "BIFROST_PARTICIPANT_URL", "", "Public URL of the participant app (set by `serve`)"),
    Setting(
        "poll_interval",
        "BIFROST_POLL_INTERVAL",
        "0.3",
        "Seconds between change-feed polls in a moderator kernel (projector, console)",
    ),
    # Every card wakes every phone's kernel to fetch the change; at 250 phones that is O(N^2) work,
    # and a phone only needs to follow steps and timers, so it looks less often than the projector.
    Setting(
        "participant_poll_interval",
        "BIFROST_PARTICIPANT_POLL_INTERVAL",
        "1.0",
        "Seconds between change-feed polls in a participant kernel",
    ),
    Setting("idle_grace", "BIFROST_IDLE_GRACE", "30", "Seconds a kernel keeps polling with no browser connected"),
    Setting(
        "db_busy_timeout", "BIFROST_DB_BUSY_TIMEOUT", "30", "Seconds a SQLite write waits for another writer's lock"
    ),
    Setting(
        "db_retry_seconds",
        "BIFROST_DB_RETRY_SECONDS",
        "5",
        "Seconds a write keeps retrying to start while the database is locked or unreachable",
    ),
    Setting("language", "BIFROST_LANGUAGE", "da", "Default language of rooms and pages (da, en, fi)"),
    Setting(
        "reopen_minutes",
        "BIFROST_REOPEN_MINUTES",
        "120",
        "Minutes after closing a room during which the moderator can reopen it (an accidental close)",
    ),
)


def setting(name: str) -> str:
    """Return a setting's value: its environment variable when set, else its default."""
    for s in SETTINGS:
        if s.name == name:
            return os.environ.get(s.env, s.default)
    raise KeyError(name)


def data_dir() -> Path:
    """The user data directory where the default SQLite database lives."""
    path = Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def db_url() -> str:
    """The database URL: BIFROST_DB_URL when set, else a SQLite file in the user data directory."""
    return setting("db_url") or f"sqlite:///{data_dir() / 'bifrost-lab.sqlite'}"


def repo_dir() -> Path:
    return Path(__file__).resolve().parent.parent


def notebooks_dir() -> Path:
    return repo_dir() / "notebooks"
