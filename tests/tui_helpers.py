"""Helpers for Pilot tests: wait for workers instead of sleeping, read the stored file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.pilot import Pilot


async def settle(pilot: Pilot, rounds: int = 2) -> None:
    """Let messages, timers and thread workers (open, save, export) finish."""
    for _ in range(rounds):
        await pilot.pause(0.05)
        await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.05)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*["space" if ch == " " else ch for ch in text])


async def choose(pilot: Pilot, text: str) -> None:
    """Open the focused Select, type to search, pick the match."""
    await pilot.press("enter")
    await type_text(pilot, text)
    await pilot.press("enter")


def stored(path: Path) -> dict[str, Any]:
    """The assessment file as TinyDB wrote it: table -> doc id -> record."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def stored_records(path: Path, table: str) -> list[dict[str, Any]]:
    rows = stored(path).get(table, {})
    return [rows[k] for k in sorted(rows, key=int)]
