"""Add a network interface: a virtual network or a bridge, a model, and a MAC (made up when empty),
each checked as typed with the reason beside it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from tuivirt.backend.ops.common.host_offer import NIC_MODELS, HostOffer
from tuivirt.backend.ops.editor.guest_config import GuestConfig
from tuivirt.backend.ops.editor.nics import NIC_KINDS, NicRequest, check_nic
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import options, row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel, PlainSelect


class NicFormScreen(DeviceFormScreen[NicRequest]):
    def __init__(self, config: GuestConfig, offer: HostOffer, macs: frozenset[str]) -> None:
        super().__init__()
        self._config = config
        self._offer = offer
        self._macs = macs

    def compose(self) -> ComposeResult:
        networks = [
            (f"{name}{'' if up else ' (inactive)'}", name) for name, up in self._offer.networks.items()
        ]
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"Add a network interface to {self._config.name}", classes="dialog-title")
            yield Plain(f"It is added {self._config.where}.", classes="dialog-note")
            yield row("On", "kind", PlainSelect(options(NIC_KINDS), value="network", allow_blank=False))
            yield row(
                "Network",
                "network",
                PlainSelect(networks, value=networks[0][1]) if networks else PlainSelect([]),
            )
            yield row("Bridge", "bridge", Input(placeholder="br0"))
            yield row("Model", "model", PlainSelect(options(NIC_MODELS), value="virtio", allow_blank=False))
            yield row("MAC", "mac", Input(placeholder="empty: made up (52:54:00:…)"))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Add (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def request(self) -> NicRequest:
        kind = str(self.query_one("#kind", Select).value)
        network = self.query_one("#network", Select).value
        source = self.query_one("#bridge", Input).value.strip() if kind == "bridge" else str(network or "")
        return NicRequest(
            kind=kind,
            source="" if network is Select.BLANK and kind == "network" else source,
            model=str(self.query_one("#model", Select).value),
            mac=self.query_one("#mac", Input).value.strip(),
        )

    def check(self) -> dict[str, str]:
        request = self.request()
        self.query_one("#network-row").display = request.kind == "network"
        self.query_one("#bridge-row").display = request.kind == "bridge"
        errors = check_nic(request, self._offer, self._macs)
        field_of = {"source": "network" if request.kind == "network" else "bridge"}
        shown = {field_of.get(field, field): text for field, text in errors.items()}
        show_reasons(self, shown)
        self.query_one("#add", Button).disabled = bool(errors)
        return errors
