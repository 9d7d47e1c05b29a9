"""Home: new assessment, open a file, open the demo, recent files."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from ..core.session import check_existing_path, check_new_path
from ..core.settings import recent_files
from ..widgets.dialogs import PromptDialog

if TYPE_CHECKING:
    from .workbench import Workbench

INTRO = (
    "Extend your ISO/IEC 27001 ISMS to cover AI systems in seven steps, and export the "
    "workbooks auditors already know how to read."
)


def _short(path: Path) -> str:
    home = str(Path.home())
    text = str(path)
    return "~" + text[len(home):] if text.startswith(home + "/") else text


class HomeScreen(Screen[None]):
    BINDINGS = [
        Binding("n", "new", "New", tooltip="Create a new assessment"),
        Binding("o", "open", "Open", tooltip="Open an assessment file"),
        Binding("m", "demo", "Demo", tooltip="Open the demo assessment"),
    ]

    @property
    def aigov(self) -> "Workbench":
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        with Vertical(id="home"):
            yield Static("aigov · AI in your ISMS", id="home-title")
            yield Static(INTRO, id="home-intro")
            yield OptionList(id="home-menu")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_menu()
        self.query_one("#home-menu").focus()

    def on_screen_resume(self) -> None:
        self.refresh_menu()

    def refresh_menu(self) -> None:
        menu = self.query_one("#home-menu", OptionList)
        menu.clear_options()
        menu.add_options([
            Option("New assessment…  (n)", id="new"),
            Option("Open a file…  (o)", id="open"),
            Option("Open the demo assessment  (m)", id="demo"),
        ])
        recent = recent_files()
        if recent:
            menu.add_option(None)
            menu.add_option(Option("Recent files", id="recent-heading", disabled=True))
            for path in recent:
                menu.add_option(Option(f"  {_short(path)}", id=f"recent:{path}"))
        menu.highlighted = 0

    @on(OptionList.OptionSelected, "#home-menu")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        oid = event.option.id or ""
        if oid == "new":
            self.action_new()
        elif oid == "open":
            self.action_open()
        elif oid == "demo":
            self.action_demo()
        elif oid.startswith("recent:"):
            self.aigov.open_assessment(Path(oid[len("recent:"):]))

    def action_new(self) -> None:
        def check(values: dict[str, str]) -> dict[str, str]:
            errors = {}
            if not values["organisation"]:
                errors["organisation"] = "Organisation is required."
            _, message = check_new_path(values["path"], values["organisation"])
            if message:
                errors["path"] = message
            return errors

        def done(values: dict[str, str] | None) -> None:
            if values:
                path, _ = check_new_path(values["path"], values["organisation"])
                assert path is not None
                self.aigov.create_assessment(path, values["organisation"])

        self.app.push_screen(PromptDialog(
            "New assessment",
            [("organisation", "Organisation name *", ""),
             ("path", "File (blank: named after the organisation, in the current folder)", "")],
            check, ok="Create"), done)

    def action_open(self) -> None:
        def check(values: dict[str, str]) -> dict[str, str]:
            _, message = check_existing_path(values["path"])
            return {"path": message} if message else {}

        def done(values: dict[str, str] | None) -> None:
            if values:
                self.aigov.open_assessment(Path(values["path"]).expanduser())

        self.app.push_screen(PromptDialog(
            "Open an assessment", [("path", "Path of the .aigov.json file", "")], check, ok="Open"),
            done)

    def action_demo(self) -> None:
        self.aigov.open_demo()
