"""Where things live: bundled data, the user's settings, the default export folder."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def bundled_data_dir() -> Path:
    """``data/`` inside the installed wheel, or at the top of a source checkout."""
    for candidate in (PACKAGE_DIR / "data", PACKAGE_DIR.parent / "data"):
        if (candidate / "catalogs").is_dir():
            return candidate
    raise FileNotFoundError(
        f"The bundled data folder is missing (looked in {PACKAGE_DIR / 'data'} and "
        f"{PACKAGE_DIR.parent / 'data'}); reinstall aigov-tui."
    )


def bundled_catalog_dir() -> Path:
    return bundled_data_dir() / "catalogs"


def config_dir() -> Path:
    """Settings and the recent-files list; AIGOV_CONFIG_DIR overrides (tests use it)."""
    env = os.environ.get("AIGOV_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "aigov-tui"


def data_home() -> Path:
    """Where the home screen keeps the demo assessment."""
    env = os.environ.get("AIGOV_DATA_DIR")
    if env:
        return Path(env).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "aigov-tui"


def default_export_dir() -> Path:
    """Exports go to ``exports/`` under the current folder unless --out says otherwise."""
    return Path.cwd() / "exports"
