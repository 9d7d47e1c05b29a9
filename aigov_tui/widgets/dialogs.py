"""Modal dialogs: each returns a typed result with ``dismiss`` (habit 1 of the anchors)."""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from ..core.schema import Problem, Register
from .record_form import RecordForm
from .ticklist import TickList


class ConfirmDialog(ModalScreen[bool]):
    """Yes / no; Enter confirms only when the Yes button has focus, Escape cancels."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Close without doing it"),
        Binding("y", "confirm", "Yes", show=False, tooltip="Confirm"),
        Binding("n", "cancel", "No", show=False, tooltip="Cancel"),
    ]

    def __init__(self, title: str, message: str, yes: str = "Yes"):
        super().__init__(classes="dialog-screen")
        self.title_text, self.message, self.yes = title, message, yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.message, classes="dialog-body")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    @on(Button.Pressed, "#yes")
    def action_confirm(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#no")
    def action_cancel(self) -> None:
        self.dismiss(False)


class ListConfirmDialog(ConfirmDialog):
    """Yes / no after a scrollable list of what will happen (e.g. every risk that changes level)."""

    def __init__(self, title: str, message: str, lines: list[str], yes: str = "Yes"):
        super().__init__(title, message, yes)
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.message, classes="dialog-body", markup=False)
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("\n".join(f"• {line}" for line in self.lines), markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", id="yes", variant="error")
                yield Button("Cancel (n)", id="no")


class RecordDialog(ModalScreen[dict[str, Any] | None]):
    """Add or edit one record. ``submit`` is a core call that returns problems (empty = done)."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", tooltip="Validate and save the record"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without saving"),
    ]

    def __init__(self, register: Register, values: dict[str, Any] | None,
                 submit: Callable[[dict[str, Any]], list[Problem]], *, title: str,
                 read_only: bool = False, options: dict[str, list[tuple[Any, str]]] | None = None):
        super().__init__(classes="dialog-screen")
        self.register, self.values, self.submit = register, values, submit
        self.options = options
        self.title_text, self.read_only = title, read_only

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog record-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield RecordForm(self.register, self.values, options=self.options,
                             read_only=self.read_only, id="form")
            yield Static("", id="dialog-problems", classes="dialog-problems")
            with Horizontal(classes="dialog-buttons"):
                yield Static("alt+underlined letter or ctrl+f: go to a field", classes="dialog-keys")
                if not self.read_only:
                    yield Button("Save (ctrl+s)", id="save", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        if not self.read_only:
            self.query_one(RecordForm).focus_first_problem([Problem("", "", self.register.input_fields[0].key, "")])

    def show_problems(self, problems: list[Problem]) -> None:
        """Show problems the core found (e.g. in a stored record) next to their fields."""
        form = self.query_one(RecordForm)
        form.mark_all_touched()
        form.show_problems(problems)
        if problems:
            n = len(problems)
            self.query_one("#dialog-problems", Static).update(
                f"{n} problem{'s' if n > 1 else ''} to fix: {problems[0].message}")

    @on(Button.Pressed, "#save")
    def action_save(self) -> None:
        if self.read_only:
            return
        form = self.query_one(RecordForm)
        problems = form.check()
        if not problems:
            problems = self.submit(form.values())
            form.show_problems(problems)
        if problems:
            n = len(problems)
            self.query_one("#dialog-problems", Static).update(
                f"{n} problem{'s' if n > 1 else ''} to fix: {problems[0].message}")
            form.focus_first_problem(problems)
            return
        self.dismiss(form.values())

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ProblemsDialog(ModalScreen[None]):
    """A scrollable list of messages (validation results, catalog warnings)."""

    BINDINGS = [Binding("escape,enter", "close", "Close", tooltip="Close")]

    def __init__(self, title: str, lines: list[str]):
        super().__init__(classes="dialog-screen")
        self.title_text, self.lines = title, lines

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-scroll"):
                yield Static("\n".join(f"• {line}" for line in self.lines) or "Nothing to report.",
                             markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (esc)", id="close")

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class PromptDialog(ModalScreen[dict[str, str] | None]):
    """A few labelled text inputs; ``check`` returns {field: message} for what is wrong."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", tooltip="Close without doing it")]

    def __init__(self, title: str, fields: list[tuple[str, str, str]],
                 check: Callable[[dict[str, str]], dict[str, str]], ok: str = "OK"):
        super().__init__(classes="dialog-screen")
        self.title_text, self.fields, self.check, self.ok = title, fields, check, ok

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            for key, label, value in self.fields:
                yield Label(label, classes="field-label")
                yield Input(value, id=f"prompt-{key}", compact=True)
                yield Static("", id=f"prompt-error-{key}", classes="field-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.ok} (enter)", id="ok", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def values(self) -> dict[str, str]:
        return {key: self.query_one(f"#prompt-{key}", Input).value.strip() for key, _, _ in self.fields}

    @on(Input.Submitted)
    @on(Button.Pressed, "#ok")
    def action_ok(self) -> None:
        values = self.values()
        errors = self.check(values)
        for key, _, _ in self.fields:
            error = self.query_one(f"#prompt-error-{key}", Static)
            error.update(errors.get(key, ""))
            error.set_class(bool(errors.get(key)), "-shown")
        if errors:
            first = next(k for k, _, _ in self.fields if k in errors)
            self.query_one(f"#prompt-{first}", Input).focus()
            return
        self.dismiss(values)

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PickDialog(ModalScreen[list[str] | None]):
    """Choose several items from a list (all chosen to start with, unless told otherwise)."""

    BINDINGS = [
        Binding("ctrl+s", "ok", "Done", tooltip="Take the chosen items"),
        Binding("escape", "cancel", "Cancel", tooltip="Close without taking anything"),
        Binding("ctrl+a", "toggle_all", "All / none", tooltip="Choose all or none"),
    ]

    def __init__(self, title: str, note: str, items: list[tuple[str, str]], *,
                 chosen: bool | set[str] = True, ok: str = "Add"):
        """``chosen``: tick everything (True), nothing (False) or the keys in a set."""
        super().__init__(classes="dialog-screen")
        self.title_text, self.note, self.items, self.chosen, self.ok = title, note, items, chosen, ok

    def compose(self) -> ComposeResult:
        from textual.widgets import SelectionList
        from textual.widgets.selection_list import Selection

        with Vertical(classes="dialog wide-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.note, classes="hint")
            ticked = (lambda k: k in self.chosen) if isinstance(self.chosen, set) else (lambda k: bool(self.chosen))
            yield TickList(*[Selection(label, key, ticked(key)) for key, label in self.items],
                           id="pick-list")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.ok} (ctrl+s)", id="ok", variant="primary")
                yield Button("Cancel (esc)", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#pick-list").focus()

    @on(Button.Pressed, "#ok")
    def action_ok(self) -> None:
        from textual.widgets import SelectionList

        chosen = set(self.query_one("#pick-list", SelectionList).selected)
        self.dismiss([key for key, _ in self.items if key in chosen])

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_toggle_all(self) -> None:
        from textual.widgets import SelectionList

        pick = self.query_one("#pick-list", SelectionList)
        if len(pick.selected) == len(self.items):
            pick.deselect_all()
        else:
            pick.select_all()


class FieldFinder(ModalScreen[str | None]):
    """Type part of a field's name; Enter jumps to the highlighted match (ctrl+f in a form)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", tooltip="Back to the form"),
        Binding("down", "move(1)", "Next match", show=False),
        Binding("up", "move(-1)", "Previous match", show=False),
    ]

    def __init__(self, fields: list[tuple[str, str]]):
        super().__init__(classes="dialog-screen")
        self.fields = fields

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList

        with Vertical(classes="dialog finder-dialog"):
            yield Label("Go to field", classes="dialog-title")
            yield Input(placeholder="Part of the field's name", id="finder-input", compact=True)
            yield OptionList(*[label for _, label in self.fields], id="finder-list")

    def on_mount(self) -> None:
        self.query_one("#finder-input", Input).focus()
        self._shown = list(self.fields)
        self.query_one("#finder-list").highlighted = 0  # type: ignore[attr-defined]

    @on(Input.Changed, "#finder-input")
    def _filter(self, event: Input.Changed) -> None:
        from textual.widgets import OptionList

        words = event.value.casefold().split()
        self._shown = [(k, label) for k, label in self.fields
                       if all(w in label.casefold() for w in words)]
        options = self.query_one("#finder-list", OptionList)
        options.clear_options()
        options.add_options([label for _, label in self._shown])
        if self._shown:
            options.highlighted = 0

    def action_move(self, step: int) -> None:
        from textual.widgets import OptionList

        options = self.query_one("#finder-list", OptionList)
        if self._shown:
            options.highlighted = max(0, min(len(self._shown) - 1, (options.highlighted or 0) + step))

    @on(Input.Submitted, "#finder-input")
    def _go(self) -> None:
        from textual.widgets import OptionList

        options = self.query_one("#finder-list", OptionList)
        if not self._shown:
            self.app.bell()
            return
        self.dismiss(self._shown[options.highlighted or 0][0])

    def on_option_list_option_selected(self, event: Any) -> None:
        self.dismiss(self._shown[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class JumpDialog(ModalScreen[int | None]):
    """A list of problems or gaps; Enter on one returns its index (the caller goes to its record)."""

    BINDINGS = [Binding("escape", "close", "Close", tooltip="Close")]

    def __init__(self, title: str, lines: list[str], note: str = "Enter goes to the record; esc closes."):
        super().__init__(classes="dialog-screen")
        self.title_text, self.lines, self.note = title, lines, note

    def compose(self) -> ComposeResult:
        from textual.widgets import OptionList

        with Vertical(classes="dialog wide-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Static(self.note if self.lines else "Nothing to report.", classes="hint")
            yield OptionList(*[Text(line) for line in self.lines], id="jump-list", classes="jump-list")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close (esc)", id="close")

    def on_mount(self) -> None:
        self.query_one("#jump-list").focus()

    def on_option_list_option_selected(self, event: Any) -> None:
        self.dismiss(event.option_index)

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)
