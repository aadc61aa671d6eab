"""Boot: which devices the firmware tries, in order, and the boot menu; the firmware shown."""

from __future__ import annotations

from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Button, Checkbox, SelectionList

from tuivirt.backend.ops.editor.settings import BOOT_DEVICES, apply_boot
from tuivirt.ui.editor.section import EditorData, Section
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainCheckbox, plain


class BootSection(Keymapped, Section):
    BINDINGS = [
        Binding("plus,shift+up", "move(-1)", "Earlier", id="editor.boot.earlier"),
        Binding("minus,shift+down", "move(1)", "Later", id="editor.boot.later"),
        Binding("ctrl+s", "apply", "Apply", id="editor.boot.apply"),
    ]

    def compose(self) -> ComposeResult:
        yield Plain("", id="boot-firmware")
        yield Plain("Boot from (space: on/off, + and -: earlier, later):")
        yield SelectionList[str](id="boot-order")
        yield PlainCheckbox("boot menu (choose a device at start)", id="boot-menu")
        yield Button("Apply (ctrl+s)", variant="primary", compact=True, id="boot-apply")

    def show(self, data: EditorData) -> None:
        super().show(data)
        config = data.config
        note = ""
        if config.per_device_boot:
            note = "\nThis guest orders boot per device (<boot order=…/>): change that with E."
        elif config.firmware.startswith("direct kernel"):
            note = "\nA direct kernel boot starts the kernel: the order below applies without it."
        self.query_one("#boot-firmware", Plain).update(f"Firmware: {config.firmware}{note}")
        order = [*config.boot_order, *(dev for dev in BOOT_DEVICES if dev not in config.boot_order)]
        self._fill(order, set(config.boot_order))
        self.query_one("#boot-menu", Checkbox).value = config.boot_menu
        self.query_one("#boot-order").disabled = config.per_device_boot

    def _fill(self, order: list[str], enabled: set[str], highlight: int = 0) -> None:
        selection = self.query_one("#boot-order", SelectionList)
        selection.clear_options()
        selection.add_options([(plain(BOOT_DEVICES.get(dev, dev)), dev, dev in enabled) for dev in order])
        selection.highlighted = highlight

    def _order(self) -> list[str]:
        selection: SelectionList[str] = self.query_one("#boot-order", SelectionList)
        return [selection.get_option_at_index(i).value for i in range(selection.option_count)]

    def action_move(self, step: int) -> None:
        selection: SelectionList[str] = self.query_one("#boot-order", SelectionList)
        index = selection.highlighted
        if index is None or not 0 <= index + step < selection.option_count:
            return
        order = self._order()
        order[index], order[index + step] = order[index + step], order[index]
        self._fill(order, set(selection.selected), index + step)

    @on(Button.Pressed, "#boot-apply")
    def action_apply(self) -> None:
        if self.data is None:
            return
        config = self.data.config
        if config.per_device_boot:
            self.notify("This guest orders boot per device: change that with E.", severity="warning")
            return
        chosen = set(self.query_one("#boot-order", SelectionList).selected)
        order = tuple(dev for dev in self._order() if dev in chosen)
        menu = self.query_one("#boot-menu", Checkbox).value
        if not order:
            self.notify("Choose at least one device to boot from.", severity="warning")
            return
        if order == config.boot_order and menu == config.boot_menu:
            self.notify("Nothing changed.")
            return
        self.request(
            f"Change the boot order of {config.name}",
            partial(apply_boot, config=config, order=order, menu=menu),
        )
