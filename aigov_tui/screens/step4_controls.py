"""Step 4: extend Annex A, add AI controls, the Statement of Applicability and its evidence.

Tabs: the SoA (one row per control, filters, bulk decisions, the mapping in context), custom
AI controls, the mandatory clauses 4–10, and the evidence register.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Select, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from ..core import soa
from ..core.jumps import gap_entries
from ..core.registers import (
    CLAUSES, CUSTOM_CONTROLS, EVIDENCE, SOA, SOA_APPLICABLE, SOA_STATUS,
)
from ..widgets.dialogs import ProblemsDialog, PromptDialog
from ..widgets.register_view import RegisterView
from .base import StepScreen

ALL = ""
APPLICABLE_STYLES = {"Yes": "bold green", "No": "dim", "Undecided": "bold yellow"}


class ControlsScreen(StepScreen):
    NUMBER = 4
    BINDINGS = [
        Binding("f2", "tab('tab-soa')", "SoA", show=False, tooltip="Show the Statement of Applicability"),
        Binding("f3", "tab('tab-custom')", "Custom", show=False, tooltip="Show the custom AI controls"),
        Binding("f4", "tab('tab-clauses')", "Clauses", show=False, tooltip="Show the mandatory clauses 4–10"),
        Binding("f6", "tab('tab-evidence')", "Evidence", show=False, tooltip="Show the evidence register"),
        Binding("m", "mapping", "Mapping", tooltip="Show the mapping of the selected control in context"),
        Binding("b", "bulk", "Bulk", tooltip="Apply one decision to every row shown"),
        Binding("x", "clear_filter", "Clear filters", show=False, tooltip="Show every SoA row again"),
        Binding("v", "gaps", "Gaps", tooltip="List the gaps an auditor would query"),
        Binding("h", "check_evidence", "Check files", show=False,
                tooltip="Re-hash evidence files and flag expired or changed ones"),
    ]
    TAB_FOCUS = {"tab-soa": "#soa #table", "tab-custom": "#custom #table",
                 "tab-clauses": "#clauses #table", "tab-evidence": "#evidence #table"}

    def __init__(self) -> None:
        super().__init__()
        self.flags: dict[str, list[str]] = {}

    # layout -------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        cats = self.aigov.catalogs
        themes = sorted({c.get("theme", "") for c in cats.iso27001.values()})
        with TabbedContent(id="controls-tabs", initial="tab-soa"):
            with TabPane("SoA (F2)", id="tab-soa"):
                with Horizontal(classes="filter-bar tight"):
                    yield self._filter("f-framework", "Framework", ["27001", "42001", "Custom"])
                    yield self._filter("f-theme", "Theme", themes)
                    yield self._filter("f-ai", "AI relevance", ["high", "medium", "low", "none"])
                with Horizontal(classes="filter-bar"):
                    yield self._filter("f-applicable", "Applicable", list(SOA_APPLICABLE))
                    yield self._filter("f-status", "Status", list(SOA_STATUS) + ["(none)"])
                    yield self._filter("f-gap", "Gaps", ["With a gap", "Without a gap"])
                yield RegisterView(SOA, id="soa", source=self._soa_rows, updater=self._update_row,
                                   styler=self._style)
            with TabPane("Custom AI controls (F3)", id="tab-custom"):
                yield Static("Controls your AI estate needs that no Annex A lists (e.g. human "
                             "oversight of a high-risk system). Each becomes an SoA row.", classes="hint")
                yield RegisterView(CUSTOM_CONTROLS, id="custom", empty_hint=(
                    "No custom AI controls. Press a to add one; it gets an ID like AIC-001."))
            with TabPane("Clauses (F4)", id="tab-clauses"):
                yield RegisterView(CLAUSES, id="clauses", source=self._clause_rows,
                                   updater=self._update_clause)
            with TabPane("Evidence (F6)", id="tab-evidence"):
                yield Static("", id="evidence-flags", classes="hint")
                yield RegisterView(EVIDENCE, id="evidence", styler=self._evidence_style, empty_hint=(
                    "No evidence yet. Press a to record a file (it is hashed, so later changes "
                    "are noticed) or a URL, and link it to controls and risks."))

    def _filter(self, wid: str, label: str, values: list[str]) -> Select[str]:
        return Select([(f"{label}: all", ALL)] + [(f"{label}: {v}", v) for v in values],
                      value=ALL, allow_blank=False, id=wid, compact=True)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#soa #table").focus()
        self.action_check_evidence(quiet=True)

    def step_commands(self) -> Iterable[tuple[str, str, Any]]:
        yield ("Show SoA gaps", "What an auditor would query", self.action_gaps)
        yield ("Bulk update SoA rows shown", "One decision for every row the filters show", self.action_bulk)
        yield ("Add custom AI control", "A control no Annex A lists",
               lambda: (self.action_tab("tab-custom"), self.query_one("#custom", RegisterView).add(None)))
        yield ("Add evidence", "Record a file or URL as evidence",
               lambda: (self.action_tab("tab-evidence"), self.query_one("#evidence", RegisterView).add(None)))
        yield ("Check evidence files", "Re-hash files; flag expired or changed evidence",
               self.action_check_evidence)

    # SoA rows ----------------------------------------------------------------------------------
    def _soa_rows(self) -> list[dict[str, Any]]:
        session = self.aigov.session
        assert session is not None
        return soa.soa_rows(session.assessment, self.aigov.catalogs)

    def _update_row(self, key: str, values: dict[str, Any]) -> None:
        session = self.aigov.session
        assert session is not None
        soa.update_row(session.assessment, self.aigov.catalogs, key, values)

    def _clause_rows(self) -> list[dict[str, Any]]:
        session = self.aigov.session
        assert session is not None
        return soa.clause_rows(session.assessment, self.aigov.catalogs)

    def _update_clause(self, key: str, values: dict[str, Any]) -> None:
        session = self.aigov.session
        assert session is not None
        soa.update_clause(session.assessment, self.aigov.catalogs, key, values)

    def _style(self, key: str, value: Any) -> str:
        if key == "applicable":
            return APPLICABLE_STYLES.get(str(value), "")
        return ""

    def _evidence_style(self, key: str, value: Any) -> str:
        return ""

    @on(Select.Changed, ".filter-bar Select")
    def _filters_changed(self) -> None:
        self._apply_filters()

    def _apply_filters(self) -> None:
        def value(wid: str) -> str:
            return str(self.query_one(f"#{wid}", Select).value or "")

        fw, theme, ai = value("f-framework"), value("f-theme"), value("f-ai")
        applicable, status, gap = value("f-applicable"), value("f-status"), value("f-gap")
        session = self.aigov.session
        assert session is not None
        gap_keys = {g.ref for g in soa.gaps(session.assessment, self.aigov.catalogs)} if gap else set()

        def keep(r: dict[str, Any]) -> bool:
            return ((not fw or r.get("framework") == fw)
                    and (not theme or r.get("theme") == theme)
                    and (not ai or r.get("ai_relevance") == ai)
                    and (not applicable or r.get("applicable") == applicable)
                    and (not status or (r.get("status") or "(none)") == status)
                    and (not gap or ((r["id"] in gap_keys) == (gap == "With a gap"))))

        active = [v for v in (fw, theme, ai, applicable, status, gap) if v]
        self.query_one("#soa", RegisterView).set_filter(keep if active else None, " · ".join(active))

    def action_clear_filter(self) -> None:
        self.action_clear_link_filter()  # a dashboard figure's filter
        for select in self.query(".filter-bar Select").results(Select):
            select.value = ALL

    # mapping, bulk, gaps -------------------------------------------------------------------
    def _selected_key(self) -> str | None:
        return self.query_one("#soa", RegisterView).table.selected_id

    def action_mapping(self) -> None:
        key = self._selected_key()
        if not key:
            return
        session = self.aigov.session
        assert session is not None
        lines = []
        for m in soa.mapping_in_context(session.assessment, self.aigov.catalogs, key):
            state = f" [{m['state']}]" if m["state"] else ""
            note = f" — {m['note']}" if m["note"] else ""
            lines.append(f"{m['relationship']}: {m['ref']} {m['title']}{state}{note}")
        title = f"{key}: what maps to it and what it builds on"
        self.app.push_screen(ProblemsDialog(title, lines or ["Nothing in the catalogs maps to this control."]))

    def action_bulk(self) -> None:
        if self.aigov.refuse_if_read_only():
            return
        view = self.query_one("#soa", RegisterView)
        keys = view.shown_ids()
        if not keys:
            return

        def check(values: dict[str, str]) -> dict[str, str]:
            errors = {}
            if values["applicable"] and values["applicable"] not in SOA_APPLICABLE:
                errors["applicable"] = f"Type one of {', '.join(SOA_APPLICABLE)}, or leave it blank."
            if values["status"] and values["status"] not in SOA_STATUS:
                errors["status"] = f"Type one of {', '.join(SOA_STATUS)}, or leave it blank."
            if not any(values.values()):
                errors["applicable"] = "Give at least one value to apply."
            return errors

        def done(values: dict[str, str] | None) -> None:
            if not values:
                return
            session = self.aigov.session
            assert session is not None
            entry = session.journal.begin(f"bulk decision on {len(keys)} SoA rows")
            entry.keep_records(session.assessment, SOA.name, keys)
            changed, problems = soa.bulk_decide(session.assessment, self.aigov.catalogs, keys,
                                                values["applicable"], values["justification"],
                                                values["status"])
            session.journal.commit(entry, f"bulk decision on {len(changed)} SoA rows")
            self.after_change()
            message = f"Updated {len(changed)} of {len(keys)} rows."
            if problems:
                message += f" {len(problems)} left unchanged: {problems[0].message}"
            self.notify(message, severity="warning" if problems else "information", timeout=8)

        self.app.push_screen(PromptDialog(
            f"Apply to the {len(keys)} rows shown",
            [("applicable", "Applicable (Yes / No / Undecided, or blank to keep)", ""),
             ("justification", "Justification (for inclusion if Yes, exclusion if No)", ""),
             ("status", "Implementation status (blank to keep)", "")],
            check, ok="Apply"), done)

    def action_gaps(self) -> None:
        session = self.aigov.session
        assert session is not None
        found = gap_entries(session.assessment, self.aigov.catalogs, self.aigov.today())
        self.aigov.show_jumps(f"{len(found)} gap{'s' if len(found) != 1 else ''}", found)

    # evidence ------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="evidence", exit_on_error=False)
    def action_check_evidence(self, quiet: bool = False) -> None:
        session = self.aigov.session
        if session is None:
            return
        base = Path(session.path).parent
        worker = get_current_worker()
        flags = soa.evidence_flags(session.assessment, self.aigov.today(), base,
                                   cancelled=lambda: worker.is_cancelled)
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._show_flags, flags, quiet)

    def _show_flags(self, flags: dict[str, list[str]], quiet: bool) -> None:
        self.flags = flags
        text = "; ".join(f"{eid}: {', '.join(v)}" for eid, v in sorted(flags.items()))
        self.query_one("#evidence-flags", Static).update(f"Flagged: {text}" if text else "")
        if not quiet:
            self.notify(f"{len(flags)} evidence items flagged." if flags else "All evidence is current.",
                        timeout=5)

    @work(thread=True, group="evidence-hash", exit_on_error=False)
    def _hash(self, evidence_id: str) -> None:
        session = self.aigov.session
        if session is None:
            return
        worker = get_current_worker()
        message = soa.record_hash(session.assessment, evidence_id, Path(session.path).parent,
                                  cancelled=lambda: worker.is_cancelled)
        if worker.is_cancelled:
            return
        self.app.call_from_thread(self._hashed, evidence_id, message)

    def _hashed(self, evidence_id: str, message: str) -> None:
        if message:
            self.notify(f"Could not hash {message}", severity="warning", timeout=8)
        self.aigov.assessment_changed()
        self.query_one("#evidence", RegisterView).refresh_records(evidence_id)
        self.action_check_evidence(quiet=True)

    # changes ------------------------------------------------------------------------------
    @on(RegisterView.Changed)
    def _changed(self, event: RegisterView.Changed) -> None:
        if event.view.id == "evidence" and event.record_id:
            self._hash(event.record_id)
        self.after_change(event.message)
