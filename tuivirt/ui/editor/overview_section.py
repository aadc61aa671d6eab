"""Overview: name (rename only when shut off), title, description, autostart."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Checkbox, Input

from tuivirt.backend.ops.editor.settings import OverviewChange, apply_overview, check_overview
from tuivirt.ui.editor.section import EditorData, Section
from tuivirt.ui.shared.form_rows import row
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainCheckbox


class OverviewSection(Keymapped, Section):
    BINDINGS = [Binding("ctrl+s", "apply", "Apply", id="editor.overview.apply")]

    def compose(self) -> ComposeResult:
        yield row("Name", "name", Input())
        yield row("Title", "title", Input(placeholder="(optional) one line"))
        yield row("Description", "description", Input(placeholder="(optional)"))
        yield row("Autostart", "autostart", PlainCheckbox("start with the host"))
        yield Plain("", id="overview-facts")
        yield Button("Apply (ctrl+s)", variant="primary", compact=True, id="overview-apply")

    def show(self, data: EditorData) -> None:
        super().show(data)
        config = data.config
        self.query_one("#name", Input).value = config.name
        self.query_one("#title", Input).value = config.title
        self.query_one("#description", Input).value = config.description
        self.query_one("#autostart", Checkbox).value = config.autostart
        self.query_one("#overview-facts", Plain).update(
            f"UUID {config.uuid}\nFirmware {config.firmware}\n"
            f"{'Running' if config.active else 'Shut off'}: title and description apply {config.where}."
        )
        self._check()

    def _change(self) -> OverviewChange:
        return OverviewChange(
            name=self.query_one("#name", Input).value.strip(),
            title=self.query_one("#title", Input).value.strip(),
            description=self.query_one("#description", Input).value.strip(),
            autostart=self.query_one("#autostart", Checkbox).value,
        )

    def _check(self) -> dict[str, str]:
        if self.data is None:
            return {"name": "not read yet"}
        errors = check_overview(self._change(), self.data.config, self.data.offer.existing_names)
        self.show_reasons(errors, {"name": "rename when shut off"} if self.data.config.active else {})
        return errors

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _edited(self) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#overview-apply")
    def action_apply(self) -> None:
        if self.data is None or self._check():
            self.notify("Fix the fields first (the reason is beside each).", severity="warning")
            return
        change, config = self._change(), self.data.config
        if change == OverviewChange(config.name, config.title, config.description, config.autostart):
            self.notify("Nothing changed.")
            return
        self.request(f"Change {config.name}", partial(apply_overview, config=config, change=change))
