"""One header line: organisation, file, save state, and a read-only banner when it applies."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class AppHeader(Widget):
    """Reads its state from the app: ``header_info()`` and the ``save_state`` reactive."""

    DEFAULT_CSS = """
    AppHeader { height: 1; width: 1fr; }
    """

    def on_mount(self) -> None:
        self.watch(self.app, "save_state", lambda _: self.refresh(), init=False)

    def render(self) -> Text:
        org, file, read_only = self.app.header_info()  # type: ignore[attr-defined]
        save = self.app.save_state  # type: ignore[attr-defined]
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(" aigov ", style="bold reverse")
        text.append(f" {org} ", style="bold")
        text.append(f"· {file} ")
        if read_only:
            text.append(" READ-ONLY ", style="bold reverse")
        right = Text(f" {save} ")
        pad = self.size.width - text.cell_len - right.cell_len
        if pad > 0:
            text.append(" " * pad)
        text.append_text(right)
        return text
