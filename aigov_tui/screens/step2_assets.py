"""Step 2: AI-specific assets (models, training data, inference systems)."""

from __future__ import annotations

from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Label, Select

from ..core.model import ref_options
from ..core.registers import AI_SYSTEMS, ASSET_TYPES, ASSETS
from ..core.suggest import suggest_assets
from ..widgets.dialogs import PickDialog
from ..widgets.register_view import RegisterView
from .base import StepScreen


class AssetsScreen(StepScreen):
    NUMBER = 2
    BINDINGS = [
        Binding("g", "suggest", "Suggest assets", tooltip="Propose the usual assets of chosen AI systems"),
        Binding("f2", "focus_filter('filter-system')", "Filter system", show=False,
                tooltip="Filter the assets by AI system"),
        Binding("f3", "focus_filter('filter-type')", "Filter type", show=False,
                tooltip="Filter the assets by type"),
        Binding("x", "clear_filter", "Clear filter", show=False, tooltip="Show every asset again"),
    ]

    def compose_body(self) -> ComposeResult:
        session = self.aigov.session
        assert session is not None
        systems = ref_options("ai_systems", session.assessment) or {}
        with Horizontal(classes="filter-bar"):
            yield Label("System (F2)")
            yield Select([("All AI systems", "")] + [(label, sid) for sid, label in systems.items()],
                         value="", allow_blank=False, id="filter-system", compact=True)
            yield Label("Type (F3)")
            yield Select([("All types", "")] + [(t, t) for t in ASSET_TYPES], value="",
                         allow_blank=False, id="filter-type", compact=True)
        yield RegisterView(ASSETS, id="assets", empty_hint=(
            "No AI assets yet. Press g to suggest the usual assets of your AI systems "
            "(from how each was built or bought), or a to add one by hand."))

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#assets #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Add AI asset", "Open the form for a new asset",
               lambda: self.query_one("#assets", RegisterView).add(None))
        yield ("Suggest assets", "Propose the usual assets of chosen AI systems", self.action_suggest)

    # filters ----------------------------------------------------------------------------
    @on(Select.Changed, "#filter-system")
    @on(Select.Changed, "#filter-type")
    def _filter(self) -> None:
        system = self.query_one("#filter-system", Select).value
        kind = self.query_one("#filter-type", Select).value
        parts = [p for p in (system, kind) if p]

        def keep(record: dict[str, Any]) -> bool:
            return ((not system or system in (record.get("ai_systems") or []))
                    and (not kind or record.get("type") == kind))

        view = self.query_one("#assets", RegisterView)
        view.set_filter(keep if parts else None, " · ".join(str(p) for p in parts))

    def action_focus_filter(self, which: str) -> None:
        self.query_one(f"#{which}").focus()

    def action_clear_filter(self) -> None:
        self.action_clear_link_filter()  # a dashboard figure's filter
        self.query_one("#filter-system", Select).value = ""
        self.query_one("#filter-type", Select).value = ""

    # suggestions ------------------------------------------------------------------------
    def action_suggest(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        systems = session.assessment.records(AI_SYSTEMS)
        if not systems:
            self.notify("Add AI systems in Step 1 first.", severity="warning")
            return
        current = self.query_one("#filter-system", Select).value
        items = [(str(s["id"]), f"{s['id']} {s.get('name', '')} ({s.get('provenance', '')})") for s in systems]

        def chosen_systems(ids: list[str] | None) -> None:
            if not ids:
                return
            suggestions = [a for sid in ids for a in suggest_assets(session.assessment, sid)]
            if not suggestions:
                self.notify("The register already has the usual assets of those systems.")
                return
            self.app.push_screen(PickDialog(
                "Suggested assets",
                "Untick what does not apply; the rest is added and can be edited with e.",
                [(str(i), f"{a['type']}: {a['name']}") for i, a in enumerate(suggestions)]),
                lambda picked: self._add_suggestions(suggestions, picked))

        self.app.push_screen(PickDialog(
            "Suggest assets for which AI systems?", "Space ticks a system; ctrl+s goes on.",
            items, chosen=False, ok="Suggest"), chosen_systems)
        if current:
            self.call_after_refresh(lambda: self._preselect(str(current)))

    def _preselect(self, system_id: str) -> None:
        from textual.widgets import SelectionList

        if isinstance(self.app.screen, PickDialog):
            self.app.screen.query_one("#pick-list", SelectionList).select(system_id)

    def _add_suggestions(self, suggestions: list[dict[str, Any]], picked: list[str] | None) -> None:
        if not picked:
            return
        added = self.query_one("#assets", RegisterView).add_many([suggestions[int(i)] for i in picked])
        self.after_change(f"Added {len(added)} assets ({added[0]}–{added[-1]}); edit any with e."
                          if added else "")

    @on(RegisterView.Changed, "#assets")
    def _changed(self, event: RegisterView.Changed) -> None:
        self.after_change(event.message)
