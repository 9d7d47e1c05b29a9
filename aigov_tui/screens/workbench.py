"""What the screens need from the app, as a protocol, so the screens never import the app (the
app imports the screens; import-linter keeps it one way)."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any, Protocol

from ..core.session import Session


class Workbench(Protocol):
    """The app as the screens see it (``aigov_tui.app.AigovApp`` implements it)."""

    session: Session | None
    catalogs: Any

    @property
    def today(self) -> _dt.date: ...

    def refuse_if_read_only(self) -> bool: ...

    def assessment_changed(self) -> None: ...

    def action_save(self) -> None: ...

    def open_assessment(self, path: Path) -> None: ...

    def create_assessment(self, path: Path, organisation: str) -> None: ...

    def open_demo(self) -> None: ...
