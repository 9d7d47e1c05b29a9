"""Every key, listed from the bindings themselves so the help stays true."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


def _keys(binding: Binding) -> str:
    if binding.key_display:
        return binding.key_display
    names = {"right_square_bracket": "]", "left_square_bracket": "[", "slash": "/",
             "question_mark": "?", "delete": "Del", "escape": "Esc", "enter": "Enter"}
    return " / ".join(names.get(k, k) for k in binding.key.split(","))


APP_BINDINGS: list[Binding] = []
"""The app's own bindings; the app fills this when it is defined (screens never import the app)."""


def help_sections() -> list[tuple[str, list[Binding]]]:
    from ..widgets.dialogs import RecordDialog
    from ..widgets.record_table import RecordTable
    from .base import StepScreen
    from .catalogs import CatalogScreen
    from .home import HomeScreen
    from .import_diff import ImportScreen
    from ..widgets.dialogs import PickDialog
    from ..widgets.heatmap import Heatmap
    from .step1_scope import ScopeScreen
    from .step2_assets import AssetsScreen
    from .step3_risks import RisksScreen
    from .step4_controls import ControlsScreen
    from .step5_documents import DocumentsScreen
    from .step6_training import TrainingScreen
    from .step7_audit import AuditScreen

    def only(bindings: list) -> list[Binding]:
        return [b for b in bindings if isinstance(b, Binding)]

    return [
        ("Everywhere", only(APP_BINDINGS)),
        ("Home screen", only(HomeScreen.BINDINGS)),
        ("Wizard steps", only(StepScreen.BINDINGS)),
        ("Step 1", only(ScopeScreen.BINDINGS)),
        ("Step 2", only(AssetsScreen.BINDINGS)),
        ("Step 3", only(RisksScreen.BINDINGS)),
        ("Heatmap", only(Heatmap.BINDINGS)),
        ("Step 4", only(ControlsScreen.BINDINGS)),
        ("Step 5", only(DocumentsScreen.BINDINGS)),
        ("Step 6", only(TrainingScreen.BINDINGS)),
        ("Step 7", only(AuditScreen.BINDINGS)),
        ("Register tables", only(RecordTable.BINDINGS)),
        ("Record forms", only(RecordDialog.BINDINGS)),
        ("Choosing from a list", only(PickDialog.BINDINGS)),
        ("Catalog browser", only(CatalogScreen.BINDINGS)),
        ("Import diff (f9)", only(ImportScreen.BINDINGS)),
    ]


def help_rows() -> list[tuple[str, str, str]]:
    """(section, keys, what they do) for every key the app binds, plus the standard ones."""
    rows = [(title, _keys(b), b.tooltip or b.description)
            for title, bindings in help_sections() for b in bindings]
    rows += [
        ("Moving around", "Tab / Shift+Tab", "Move between fields, tabs and buttons"),
        ("Moving around", "Enter", "Open the selected record; open a drop-down; confirm"),
        ("Moving around", "ctrl+p", "Command palette: every step and action by name"),
    ]
    return rows


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "close", "Close", tooltip="Close the help")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, expand=True, show_header=False, padding=(0, 1))
        table.add_column("key", style="bold", no_wrap=True, width=16)
        table.add_column("what")
        section = ""
        for title, keys, what in help_rows():
            if title != section:
                if section:
                    table.add_row("", "")
                table.add_row(f"[reverse] {title} [/]", "")
                section = title
            table.add_row(keys, what)
        with Vertical(classes="dialog wide-dialog"):
            yield Label("Keys", classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static(table)
            yield Static("Esc closes this help.", classes="hint")

    def action_close(self) -> None:
        self.dismiss(None)
