"""The catalog browser: pick a catalog, search it, read an entry and follow its links."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, OptionList, Select, Static
from textual.widgets.option_list import Option

from ..core.catalog_views import View, details, related, search, views_of
from ..widgets.app_header import AppHeader

if TYPE_CHECKING:
    from .workbench import Workbench

WIDE = 110


class CatalogScreen(Screen[None]):
    """Reachable from every screen with f5 or the command palette."""

    BINDINGS = [
        Binding("escape", "close", "Close", tooltip="Close the catalog browser"),
        Binding("c", "choose_catalog", "Catalog", tooltip="Choose another catalog"),
        Binding("slash", "search", "Search", tooltip="Search the catalog"),
        Binding("l", "links", "Links", tooltip="Move to the related entries of the selected one"),
        Binding("b,backspace", "back", "Back", tooltip="Back to the entry you came from"),
    ]

    def __init__(self, view: str = "iso27001", entry_id: str | None = None):
        super().__init__()
        self._start = (view, entry_id)
        self._history: list[tuple[str, str]] = []
        self._current: tuple[str, str] | None = None

    @property
    def aigov(self) -> "Workbench":
        return self.app  # type: ignore[return-value]

    @property
    def views(self) -> list[View]:
        return views_of(self.aigov.catalogs)

    def view(self, key: str) -> View:
        return next(v for v in self.views if v.key == key)

    def compose(self) -> ComposeResult:
        yield AppHeader(id="app-header")
        with Vertical(id="cat-body"):
            with Horizontal(id="cat-bar"):
                yield Select([(v.title, v.key) for v in self.views], value=self._start[0],
                             allow_blank=False, id="cat-choice", compact=True)
                yield Input(placeholder="Search ( / )", id="cat-search", compact=True)
                yield Static("", id="cat-count")
            with Horizontal(id="cat-main"):
                yield DataTable(cursor_type="row", zebra_stripes=True, id="cat-table")
                with Vertical(id="cat-side"):
                    with VerticalScroll(id="cat-detail"):
                        yield Static("", id="cat-detail-text")
                    yield Static("Related (l, Enter follows, b goes back)", id="cat-related-title")
                    yield OptionList(id="cat-related")
        yield Footer()

    def on_mount(self) -> None:
        self._layout()
        self._fill(select=self._start[1])
        self.query_one("#cat-table").focus()

    def on_resize(self) -> None:
        self._layout()

    def _layout(self) -> None:
        self.query_one("#cat-main").set_class(self.size.width >= WIDE, "-wide")

    # table ---------------------------------------------------------------------------------
    @property
    def view_key(self) -> str:
        value = self.query_one("#cat-choice", Select).value
        return str(value) if value is not Select.NULL else self.views[0].key

    def _fill(self, select: str | None = None) -> None:
        view = self.view(self.view_key)
        table = self.query_one("#cat-table", DataTable)
        table.clear(columns=True)
        for c in view.columns:
            table.add_column(c.title, width=c.width)
        rows = search(view, self.query_one("#cat-search", Input).value)
        for e in rows:
            table.add_row(*[Text(c.get(e), no_wrap=True, overflow="ellipsis") for c in view.columns],
                          key=e["id"])
        total = len(view.entries)
        self.query_one("#cat-count", Static).update(
            f"{len(rows)} of {total}" if len(rows) != total else f"{total} entries")
        if select and select in {e["id"] for e in rows}:
            table.move_cursor(row=table.get_row_index(select))
        self._show_selected()

    def _show_selected(self) -> None:
        table = self.query_one("#cat-table", DataTable)
        if table.row_count == 0:
            self._show(None)
            return
        key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        self._show(str(key.value))

    def _show(self, entry_id: str | None) -> None:
        text = self.query_one("#cat-detail-text", Static)
        links = self.query_one("#cat-related", OptionList)
        links.clear_options()
        if entry_id is None:
            self._current = None
            text.update("Nothing matches the search.")
            return
        cats = self.aigov.catalogs
        self._current = (self.view_key, entry_id)
        fields = details(cats, self.view_key, entry_id)
        title = next((v for k, v in fields if k == "Title"), "")
        body = Text()
        body.append(f"{entry_id} {title}".strip() + "\n", style="bold")
        for label, value in fields:
            if label == "Title":
                continue
            if len(value) <= 40 and "\n" not in value:
                body.append(f"{label}: ", style="bold")
                body.append(f"{value}\n")
            else:
                body.append(f"{label}\n", style="bold")
                body.append(f"{value}\n")
        text.update(body)
        self.query_one("#cat-detail", VerticalScroll).scroll_home(animate=False)
        found = related(cats, self.view_key, entry_id)
        for i, link in enumerate(found):
            prompt = Text(link.label, overflow="ellipsis")
            if link.note:
                prompt.append(f"\n  {link.note}", style="dim")
            links.add_option(Option(prompt, id=f"{i}:{link.view}|{link.entry_id}"))
        if not found:
            links.add_option(Option("No related entries.", disabled=True))

    @on(DataTable.RowHighlighted, "#cat-table")
    def _highlighted(self) -> None:
        self._show_selected()

    @on(DataTable.RowSelected, "#cat-table")
    def _selected(self) -> None:
        self.action_links()

    @on(Select.Changed, "#cat-choice")
    def _catalog_changed(self) -> None:
        self.query_one("#cat-search", Input).value = ""
        self._fill()

    @on(Input.Changed, "#cat-search")
    def _searched(self) -> None:
        self._fill()

    @on(Input.Submitted, "#cat-search")
    def _search_done(self) -> None:
        self.query_one("#cat-table").focus()

    # links ---------------------------------------------------------------------------------
    @on(OptionList.OptionSelected, "#cat-related")
    def _follow(self, event: OptionList.OptionSelected) -> None:
        target = (event.option.id or "").split(":", 1)[-1]
        if "|" not in target:
            return
        view, entry_id = target.split("|", 1)
        if self._current:
            self._history.append(self._current)
        self.go(view, entry_id)

    def go(self, view: str, entry_id: str) -> None:
        """Show ``entry_id`` of catalog ``view``."""
        search_box = self.query_one("#cat-search", Input)
        choice = self.query_one("#cat-choice", Select)
        with self.prevent(Select.Changed, Input.Changed):
            search_box.value = ""
            choice.value = view
        self._fill(select=entry_id)
        self.query_one("#cat-table").focus()

    def action_back(self) -> None:
        if self._history:
            self.go(*self._history.pop())

    def action_links(self) -> None:
        links = self.query_one("#cat-related", OptionList)
        if links.highlighted is None and links.option_count:
            links.highlighted = 0
        links.focus()

    def action_search(self) -> None:
        self.query_one("#cat-search").focus()

    def action_choose_catalog(self) -> None:
        self.query_one("#cat-choice").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("choose_catalog", "search", "links", "back") and isinstance(self.focused, Input):
            return False
        return True
