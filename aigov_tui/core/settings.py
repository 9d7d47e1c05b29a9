"""The user's recent-files list (a small JSON file in the config folder)."""

from __future__ import annotations

import json
from pathlib import Path

from . import safefile
from .paths import config_dir
from .store import atomic_write_text

MAX_RECENT = 8


def _recent_path() -> Path:
    return config_dir() / "recent.json"


def recent_files() -> list[Path]:
    """Recently opened assessments that still exist, newest first. Never raises."""
    try:
        items = json.loads(safefile.read_bytes_limited(_recent_path(), 1024 ** 2).decode("utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(items, list):
        return []
    return [Path(p) for p in items if isinstance(p, str) and Path(p).is_file()][:MAX_RECENT]


def remember(path: Path) -> None:
    """Put a file at the top of the recent list; a settings problem never stops the user."""
    path = Path(path).expanduser().resolve()
    items = [str(path)] + [str(p) for p in recent_files() if p.resolve() != path]
    try:
        _recent_path().parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(_recent_path(), json.dumps(items[:MAX_RECENT], indent=1))
    except OSError:
        pass
