"""Step 3: AI risk assessment inside the ISMS risk method.

Three tabs: the risk register, the heatmap (inherent and residual side by side; Enter on a
cell filters the register to it) and the risk method, editable to match the client's ISMS.
"""

from __future__ import annotations

from typing import Any, Iterable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static, TabbedContent, TabPane

from ..core import scoring, soa
from ..core.model import (
    RecordError, method_change_preview, natural_key, set_plan_approval, set_risk_method,
)
from ..core.rating import RATING_KEYS, rate_risk, rating_text
from ..core.undo import keep_for_method
from ..core.registers import ASSETS, RISKS
from ..core.suggest import suggest_risks
from ..widgets.dialogs import ListConfirmDialog, PickDialog
from ..widgets.heatmap import CELL_STYLES, Heatmap
from ..widgets.rating_strip import RatingStrip
from ..widgets.register_view import RegisterView
from .base import StepScreen


class RisksScreen(StepScreen):
    NUMBER = 3
    BINDINGS = [
        Binding("g", "suggest", "Suggest risks", tooltip="Propose risks from the threat catalog for chosen assets"),
        Binding("t", "rate", "Rate", tooltip="Rate the selected risk and the next ones without the form: "
                "digits give inherent then residual likelihood and impact"),
        Binding("x", "clear_filter", "Clear filter", show=False, tooltip="Show every risk again"),
        Binding("f2", "tab('tab-register')", "Register", show=False, tooltip="Show the risk register"),
        Binding("f3", "tab('tab-heatmap')", "Heatmap", show=False, tooltip="Show the heatmap"),
        Binding("f4", "tab('tab-method')", "Method", show=False, tooltip="Show and edit the risk method"),
        Binding("ctrl+s", "apply_or_save", "Save", show=False,
                tooltip="On the method tab: apply the method and re-score every risk"),
    ]
    TAB_FOCUS = {"tab-register": "#risks #table", "tab-heatmap": "#heat-inherent",
                 "tab-method": "#method-likelihood"}

    def compose_body(self) -> ComposeResult:
        session = self.aigov.session
        assert session is not None
        method = session.assessment.risk_method
        presets = self.aigov.catalogs.risk_methods
        with TabbedContent(id="risk-tabs", initial="tab-register"):
            with TabPane("Risk register (F2)", id="tab-register"):
                yield RegisterView(RISKS, id="risks", styler=self._level_style, empty_hint=(
                    "No risks yet. Press g to suggest risks from the threat catalog for chosen "
                    "assets, or a to add one by hand."))
                yield RatingStrip(id="rating-strip", apply=self._rate, current=self._ratings,
                                  scale=self._scale_size, describe=self._rating_text)
            with TabPane("Heatmap (F3)", id="tab-heatmap"):
                yield Static("Arrows move; Enter shows the risks of a cell in the register "
                             "(x clears). Cells: level initial and count.", classes="hint")
                with Horizontal(id="heatmaps"):
                    yield Heatmap("inherent", id="heat-inherent")
                    yield Heatmap("residual", id="heat-residual")
                yield Static("", id="heat-legend", classes="hint")
            with TabPane("Risk method (F4)", id="tab-method"):
                with VerticalScroll(id="method-form"):
                    yield Static("Match the method your ISMS already uses. Apply (ctrl+s) "
                                 "re-scores every risk.", classes="hint")
                    yield Label("Start from", classes="field-label")
                    yield Select([(p["title"], key) for key, p in presets.items()], prompt="A preset…",
                                 id="method-preset", compact=True)
                    yield Label("Likelihood labels, lowest first, separated by commas", classes="field-label")
                    yield Input(", ".join(method["likelihood"]), id="method-likelihood", compact=True)
                    yield Static("", id="method-error-likelihood", classes="field-error")
                    yield Label("Impact labels, lowest first", classes="field-label")
                    yield Input(", ".join(method["impact"]), id="method-impact", compact=True)
                    yield Static("", id="method-error-impact", classes="field-error")
                    yield Label("Level bands: level from-to colour; …", classes="field-label")
                    yield Input(scoring.bands_text(method), id="method-bands", compact=True)
                    yield Static("", id="method-error-bands", classes="field-error")
                    yield Label("Acceptance threshold (above it, a named acceptance per risk)",
                                classes="field-label")
                    yield Input(str(method.get("acceptance_threshold", "")), id="method-threshold", compact=True)
                    yield Static("", id="method-error-threshold", classes="field-error")
                    yield Button("Apply and re-score (ctrl+s)", id="method-apply", variant="primary")
                    yield Static("Treatment plan approval (ISO 27001 6.1.3 f): the risk owner's "
                                 "approval accepts every residual risk at or below the threshold. "
                                 "Clear both fields to withdraw it.", classes="hint")
                    approved_by, approved_on = scoring.plan_approval(method)
                    yield Label("Treatment plan approved by (risk owner)", classes="field-label")
                    yield Input(approved_by, id="method-approved-by", compact=True)
                    yield Static("", id="method-error-plan_approved_by", classes="field-error")
                    yield Label("Approved on (YYYY-MM-DD)", classes="field-label")
                    yield Input(approved_on, id="method-approved-on", compact=True)
                    yield Static("", id="method-error-plan_approved_on", classes="field-error")
                    yield Button("Record approval", id="method-approve")

    def _level_style(self, key: str, value: Any) -> str:
        """Level cells in their band's colour (the text says the level too)."""
        session = self.aigov.session
        if key not in ("inherent_level", "residual_level") or not value or session is None:
            return ""
        for b in session.assessment.risk_method.get("bands") or []:
            if b["level"] == value:
                return CELL_STYLES.get(b["colour"], "")
        return ""

    def on_mount(self) -> None:
        super().on_mount()
        session = self.aigov.session
        assert session is not None
        self._links = soa.risk_links(session.assessment)
        self._refresh_heatmaps()
        self.query_one("#risks #table").focus()

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Add risk", "Open the form for a new risk",
               lambda: self.query_one("#risks", RegisterView).add(None))
        yield ("Suggest risks", "Propose risks from the threat catalog for chosen assets", self.action_suggest)
        yield ("Show heatmap", "Step 3, Heatmap tab", lambda: self.action_tab("tab-heatmap"))
        yield ("Edit risk method", "Step 3, Risk method tab", lambda: self.action_tab("tab-method"))

    # register and heatmap -------------------------------------------------------------------
    def _refresh_heatmaps(self) -> None:
        session = self.aigov.session
        assert session is not None
        risks = session.assessment.records(RISKS)
        method = session.assessment.risk_method
        compact = self.size.width < 110
        for hm in self.query(Heatmap):
            hm.compact = compact
            hm.update_data(risks, method)
        scale = "  ".join(f"{i} {x}" for i, x in enumerate(method["likelihood"], 1))
        impact = "  ".join(f"{i} {x}" for i, x in enumerate(method["impact"], 1))
        bands = "  ".join(f"{b['level'][:1]} {b['level']} {b['min']}–{b['max']}" for b in method["bands"])
        legend = f"Impact: {impact}\nLevels: {bands}"
        if compact:
            legend = f"Likelihood: {scale}\n{legend}"
        self.query_one("#heat-legend", Static).update(legend)

    def on_resize(self) -> None:
        if self.is_mounted:
            self._refresh_heatmaps()

    @on(RegisterView.Changed, "#risks")
    def _changed(self, event: RegisterView.Changed) -> None:
        self._after_change(event.message)

    def _after_change(self, message: str = "") -> None:
        """Save, refresh, and say which SoA controls no risk names any more (Step 4 derives
        their applicability from the risks)."""
        session = self.aigov.session
        assert session is not None
        links = soa.risk_links(session.assessment)
        gone = soa.unlinked(self._links, links)
        self._links = links
        if gone:
            message = (f"{message} " if message else "") + (
                f"No risk names {', '.join(gone)} any more: review its applicability in Step 4.")
        self._refresh_heatmaps()
        self.after_change(message)

    def after_undo(self, message: str) -> None:
        """The method may be back as it was: show it in the method form too."""
        session = self.aigov.session
        assert session is not None
        method = session.assessment.risk_method
        self.query_one("#method-likelihood", Input).value = ", ".join(method["likelihood"])
        self.query_one("#method-impact", Input).value = ", ".join(method["impact"])
        self.query_one("#method-bands", Input).value = scoring.bands_text(method)
        self.query_one("#method-threshold", Input).value = str(method.get("acceptance_threshold", ""))
        strip = self.query_one(RatingStrip)
        if strip.active and strip.record_id:
            strip._load(strip.record_id, message)
        self._after_change(message)

    @on(Heatmap.CellChosen)
    def _cell(self, event: Heatmap.CellChosen) -> None:
        kind, li, ii = event.heatmap.kind, event.likelihood, event.impact
        view = self.query_one("#risks", RegisterView)
        view.set_filter(lambda r: r.get(f"{kind}_likelihood") == li and r.get(f"{kind}_impact") == ii,
                        f"{kind} L{li}×I{ii}")
        self.action_tab("tab-register")

    def action_clear_filter(self) -> None:
        self.query_one("#risks", RegisterView).set_filter(None)

    # rating without the form ----------------------------------------------------------------
    def action_rate(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        if self.query_one(TabbedContent).active != "tab-register":
            self.action_tab("tab-register")
        view = self.query_one("#risks", RegisterView)
        rid = view.table.selected_id
        if not rid:
            self.notify("No risk to rate: add one (a) or suggest some (g) first.", severity="warning")
            return
        self.query_one(RatingStrip).start(view.shown_ids(), rid)

    def _scale_size(self) -> int:
        session = self.aigov.session
        assert session is not None
        return scoring.size(session.assessment.risk_method)

    def _ratings(self, rid: str) -> list[int | None]:
        session = self.aigov.session
        assert session is not None
        record = session.assessment.find(RISKS, rid) or {}
        return [record.get(k) for pair in ("inherent", "residual") for k in RATING_KEYS[pair]]

    def _rating_text(self, rid: str, pair: str) -> str:
        session = self.aigov.session
        assert session is not None
        record = session.assessment.find(RISKS, rid) or {}
        return rating_text(session.assessment, record, pair)

    def _rate(self, rid: str, pair: str, likelihood: int, impact: int) -> str:
        """Apply one rating pair through the core; returns what is wrong, or ""."""
        session = self.aigov.session
        assert session is not None
        entry = session.journal.begin(f"rating of {rid} ({pair} {likelihood}×{impact})")
        entry.keep_record(session.assessment, RISKS.name, rid)
        try:
            rate_risk(session.assessment, rid, pair, likelihood, impact, self.aigov.catalogs)
        except (RecordError, KeyError) as exc:
            session.journal.cancel(entry)
            return exc.problems[0].message if isinstance(exc, RecordError) else str(exc)
        session.journal.commit(entry)
        self._refresh_heatmaps()
        self.after_change()
        return ""

    @on(RatingStrip.Moved)
    def _rating_moved(self, event: RatingStrip.Moved) -> None:
        table = self.query_one("#risks", RegisterView).table.table
        try:
            table.move_cursor(row=table.get_row_index(event.record_id))
        except Exception:
            pass  # the row is filtered out or searched away; the strip still names it

    @on(RatingStrip.Finished)
    def _rating_done(self) -> None:
        self.query_one("#risks #table").focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "rate" and isinstance(self.focused, Input):
            return False
        return True

    # suggestions --------------------------------------------------------------------------
    def action_suggest(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        assets = sorted(session.assessment.records(ASSETS), key=lambda a: natural_key(str(a["id"])))
        if not assets:
            self.notify("Add AI assets in Step 2 first.", severity="warning")
            return

        def chosen_assets(ids: list[str] | None) -> None:
            if not ids:
                return
            suggestions = suggest_risks(session.assessment, self.aigov.catalogs, ids)
            if not suggestions:
                self.notify("No new threats from the catalog for those assets.")
                return
            self.app.push_screen(PickDialog(
                "Suggested risks",
                "Each comes with the threat's suggested controls. Untick what does not apply; "
                "the rest is added as drafts (marked !) to rate in the workshop.",
                [(str(i), f"{r['threat']} {r['title']}") for i, r in enumerate(suggestions)]),
                lambda picked: self._add_suggestions(suggestions, picked))

        self.app.push_screen(PickDialog(
            "Suggest risks for which assets?", "Space ticks an asset; ctrl+s goes on.",
            [(str(a["id"]), f"{a['id']} {a.get('type', '')}: {a.get('name', '')}") for a in assets],
            chosen=False, ok="Suggest"), chosen_assets)

    def _add_suggestions(self, suggestions: list[dict[str, Any]], picked: list[str] | None) -> None:
        if not picked:
            return
        added = self.query_one("#risks", RegisterView).add_many([suggestions[int(i)] for i in picked],
                                                                strict=False)
        self._after_change()
        if added:
            self.notify(f"Added {len(added)} draft risks ({added[0]}–{added[-1]}). Rate likelihood "
                        "and impact and name the owner: e opens each.", timeout=8)

    # risk method ----------------------------------------------------------------------------
    @on(Select.Changed, "#method-preset")
    def _preset(self, event: Select.Changed) -> None:
        preset = self.aigov.catalogs.risk_methods.get(str(event.value))
        if not preset:
            return
        self.query_one("#method-likelihood", Input).value = ", ".join(preset["likelihood"])
        self.query_one("#method-impact", Input).value = ", ".join(preset["impact"])
        self.query_one("#method-bands", Input).value = scoring.bands_text(preset)
        self.query_one("#method-threshold", Input).value = str(preset["acceptance_threshold"])

    def action_apply_or_save(self) -> None:
        if self.query_one(TabbedContent).active == "tab-method":
            self.apply_method()
        else:
            self.aigov.action_save()

    @on(Button.Pressed, "#method-apply")
    def apply_method(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        method, errors = scoring.method_from_text(
            self.query_one("#method-likelihood", Input).value,
            self.query_one("#method-impact", Input).value,
            self.query_one("#method-bands", Input).value,
            self.query_one("#method-threshold", Input).value,
            base=session.assessment.risk_method,
        )
        for key in ("likelihood", "impact", "bands", "threshold"):
            error = self.query_one(f"#method-error-{key}", Static)
            error.update(errors.get(key, ""))
            error.set_class(bool(errors.get(key)), "-shown")
        if errors:
            self.notify("The method was not applied; fix what is marked.", severity="warning")
            return
        preview = method_change_preview(session.assessment, method)
        n = scoring.size(method)

        def apply(confirmed: bool | None) -> None:
            if confirmed:
                self._adopt_method(method)

        def level_change(before: object, after: object) -> str:
            return f"{before or '—'} → {after or '—'}" if before != after else f"{before or '—'}"

        lines = [f"{p['id']} {p['title']}: inherent {level_change(p['before'][0], p['after'][0])}, "
                 f"residual {level_change(p['before'][1], p['after'][1])}" for p in preview]
        count = len(preview)
        intro = (f"Ratings move to the step of the {n}×{n} scale with the same meaning (the same "
                 f"label, otherwise the same position). "
                 + (f"{count} risk{'s' if count != 1 else ''} change{'s' if count == 1 else ''} level:"
                    if count else "No risk changes level."))
        self.app.push_screen(ListConfirmDialog("Apply this risk method?", intro, lines, yes="Apply"),
                             apply)

    def _adopt_method(self, method: dict) -> None:
        session = self.aigov.session
        assert session is not None
        entry = session.journal.begin("risk method change")
        keep_for_method(entry, session.assessment)
        changed, rescaled = set_risk_method(session.assessment, method)
        session.journal.commit(entry, f"risk method change to {scoring.size(method)}×{scoring.size(method)}")
        self.query_one("#risks", RegisterView).refresh_records()
        self._after_change()
        n = scoring.size(method)
        mapped = f"; {rescaled} ratings mapped to the new scale" if rescaled else ""
        self.notify(f"Risk method is now {n}×{n}: {changed} risk{'s' if changed != 1 else ''} "
                    f"changed level{mapped}.", timeout=8)

    @on(Button.Pressed, "#method-approve")
    def record_approval(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        session = self.aigov.session
        assert session is not None
        errors = set_plan_approval(session.assessment,
                                   self.query_one("#method-approved-by", Input).value,
                                   self.query_one("#method-approved-on", Input).value)
        for key in scoring.PLAN_APPROVAL_KEYS:
            error = self.query_one(f"#method-error-{key}", Static)
            error.update(errors.get(key, ""))
            error.set_class(bool(errors.get(key)), "-shown")
        if errors:
            self.notify("The approval was not recorded; fix what is marked.", severity="warning")
            return
        by, on = scoring.plan_approval(session.assessment.risk_method)
        self._after_change(f"Treatment plan approved by {by} on {on}: residual risks at or below "
                           f"{session.assessment.risk_method.get('acceptance_threshold')} are "
                           "accepted with it." if by else "Treatment plan approval withdrawn.")
