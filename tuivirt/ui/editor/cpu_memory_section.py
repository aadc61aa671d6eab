"""CPU and memory: counts and maximums, each change said with where it applies (now, at next boot,
or both) before Apply."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Input, Select

from tuivirt.backend.ops.editor.settings import (
    CpuMemoryChange,
    Where,
    apply_cpu_memory,
    check_cpu_memory,
    describe_cpu_memory,
)
from tuivirt.format import format_kib
from tuivirt.ui.editor.section import EditorData, Section
from tuivirt.ui.shared.form_rows import options, row
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainSelect

FIELDS = ("vcpus", "vcpus_max", "memory", "memory_max")


def _mib(kib: int) -> str:
    return f"{kib // 1024}M"


class CpuMemorySection(Keymapped, Section):
    BINDINGS = [Binding("ctrl+s", "apply", "Apply", id="editor.cpu_memory.apply")]

    def compose(self) -> ComposeResult:
        yield row("vCPUs", "vcpus", Input())
        yield row("  maximum", "vcpus_max", Input())
        yield row("Memory", "memory", Input(placeholder="512M, 2G"))
        yield row("  maximum", "memory_max", Input(placeholder="512M, 2G"))
        yield row("Applies", "where", PlainSelect(options(Where), value=Where.BOTH.value, allow_blank=False))
        yield Plain("", id="cpu-memory-facts")
        yield Plain("", id="cpu-memory-changes")
        yield Button("Apply (ctrl+s)", variant="primary", compact=True, id="cpu-memory-apply")

    def show(self, data: EditorData) -> None:
        super().show(data)
        c = data.config
        self.query_one("#where-row").display = c.active and c.persistent
        self._fill()
        now = (
            f"Running now: {c.vcpus} of {c.vcpus_max_now} vCPUs, {format_kib(c.memory_kib)} of "
            f"{format_kib(c.memory_max_now_kib)}."
            if c.active
            else "Shut off: every change applies at next boot."
        )
        self.query_one("#cpu-memory-facts", Plain).update(
            f"{now}\nHost: {data.host_cpus} CPUs, {format_kib(data.host_memory_kib)}."
        )
        self._check()

    _filled: dict[str, str] | None = None  # what _fill last put in each field

    def _fill(self) -> None:
        """The values where changes will apply: the running guest's, or its next boot's. A field the
        admin typed into keeps its value (choosing "Applies" once reset Memory and its maximum)."""
        assert self.data is not None
        c, next_boot = self.data.config, self._where() is Where.NEXT_BOOT
        values = {
            "vcpus": str(c.vcpus_next if next_boot else c.vcpus),
            "vcpus_max": str(c.vcpus_max),
            "memory": _mib(c.memory_next_kib if next_boot else c.memory_kib),
            "memory_max": _mib(c.memory_max_kib),
        }
        filled = self._filled or {}
        for field, value in values.items():
            field_input = self.query_one(f"#{field}", Input)
            if field not in filled or field_input.value == filled[field]:
                field_input.value = value
        self._filled = values

    def _where(self) -> Where:
        if self.data is None or not (self.data.config.active and self.data.config.persistent):
            return Where.NEXT_BOOT if self.data is None or not self.data.config.active else Where.NOW
        return Where(str(self.query_one("#where", Select).value))

    def _check(self) -> tuple[CpuMemoryChange | None, dict[str, str]]:
        if self.data is None:
            return None, {"vcpus": "not read yet"}
        values = {field: self.query_one(f"#{field}", Input).value for field in FIELDS}
        data = self.data
        change, errors = check_cpu_memory(
            values, data.config, self._where(), data.host_cpus, data.host_memory_kib
        )
        self.show_reasons(errors, {"vcpus_max": "at next boot", "memory_max": "at next boot"})
        lines = describe_cpu_memory(change, data.config)
        self.query_one("#cpu-memory-changes", Plain).update(
            "Changes:\n  " + "\n  ".join(lines) if lines and not errors else ""
        )
        return change, errors

    @on(Select.Changed, "#where")
    def _where_chosen(self) -> None:
        if self.data is not None:
            self._fill()
        self._check()

    @on(Input.Changed)
    def _edited(self) -> None:
        self._check()

    @on(Input.Submitted)
    @on(Button.Pressed, "#cpu-memory-apply")
    def action_apply(self) -> None:
        change, errors = self._check()
        if change is None or self.data is None or errors:
            self.notify("Fix the fields first (the reason is beside each).", severity="warning")
            return
        if change.empty:
            self.notify("Nothing changed.")
            return
        config = self.data.config
        self.request(
            f"Change CPU and memory of {config.name}", partial(apply_cpu_memory, config=config, change=change)
        )
