"""Crash reports: what an unexpected error leaves behind, for the user to send to support.

A report holds the error and its traceback (file names and lines, never local variables)
and is written with mode 0600 in ``crash-reports/`` under the data folder, so nothing from
the assessment is shown on screen or readable by other users.
"""

from __future__ import annotations

import datetime as _dt
import os
import platform
import traceback
from pathlib import Path

from .. import __version__
from .paths import data_home

EXIT_OK, EXIT_PROBLEMS, EXIT_BAD_INPUT, EXIT_INTERNAL = 0, 1, 2, 3
"""Exit codes: fine; problems found; bad input (arguments or files); internal error."""


def report_dir() -> Path:
    return data_home() / "crash-reports"


def write_report(exc: BaseException, where: str = "") -> Path | None:
    """Write a crash report (mode 0600) and return its path, or None when it cannot be written."""
    folder = report_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        for n in range(100):
            path = folder / f"crash-{stamp}-{os.getpid()}{f'-{n}' if n else ''}.txt"
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
            except FileExistsError:
                continue
            break
        else:
            return None
        text = "".join([
            f"aigov-tui {__version__} crash report\n",
            f"when: {_dt.datetime.now().isoformat(timespec='seconds')}\n",
            f"where: {where or 'aigov'}\n",
            f"python: {platform.python_version()} on {platform.platform()}\n\n",
            *traceback.format_exception(type(exc), exc, exc.__traceback__),
        ])
        with os.fdopen(fd, "w", encoding="utf-8", errors="replace") as fh:
            fh.write(text)
        os.chmod(path, 0o600)
        return path
    except OSError:
        return None


def one_line(exc: BaseException, report: Path | None) -> str:
    """The one line shown for an internal error (the error type only, never its data)."""
    saved = f" A report was written to {report}." if report else ""
    return (f"aigov: internal error ({type(exc).__name__}); this is a bug, sorry. Your last "
            f"saved changes are in the file.{saved}")
