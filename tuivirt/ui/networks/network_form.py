"""Define a virtual network: name, NAT, routed or isolated, the subnet and the DHCP range, checked
against the host's other networks (an overlapping subnet is refused, naming the network)."""

from __future__ import annotations

import ipaddress

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Select

from tuivirt.backend.ops.networks.virtual_networks import (
    NetworkInfo,
    NetworkMode,
    NetworkRequest,
    check_network,
    dhcp_range,
    suggested_request,
)
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainLabel, PlainSelect

MODES = [("NAT", NetworkMode.NAT.value), ("routed", NetworkMode.ROUTED.value), ("isolated", "isolated")]
MODE_HINTS = {
    NetworkMode.NAT: "guests reach out through the host",
    NetworkMode.ROUTED: "your LAN must route the subnet here",
    NetworkMode.ISOLATED: "guests and the host only",
}


class NetworkFormScreen(DeviceFormScreen[NetworkRequest]):
    def __init__(
        self,
        host: str,
        existing: list[NetworkInfo],
        routes: list[tuple[str, ipaddress.IPv4Network]] | None = None,
    ) -> None:
        super().__init__()
        self._host = host
        self._existing = existing
        self._routes = routes  # None: a remote host, whose routes libvirt checks at start
        self._dhcp_for = ""  # the subnet the DHCP fields were filled for (they follow it)

    def compose(self) -> ComposeResult:
        offer = suggested_request(self._existing, self._routes)
        self._dhcp_for = offer.subnet
        with Vertical(classes="dialog", id="device-form"):
            yield PlainLabel(f"New network on {self._host}", classes="dialog-title")
            yield Plain(
                "The host takes the subnet's first address. Leave the DHCP range empty for none.",
                classes="dialog-note",
            )
            yield row("Name", "name", Input(offer.name))
            yield row("Mode", "mode", PlainSelect(MODES, value=NetworkMode.NAT.value, allow_blank=False))
            yield row("Subnet", "subnet", Input(offer.subnet, placeholder="192.168.100.0/24"))
            yield row("DHCP from", "dhcp_start", Input(offer.dhcp_start))
            yield row("DHCP to", "dhcp_end", Input(offer.dhcp_end))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Define (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def request(self) -> NetworkRequest:
        def value(field: str) -> str:
            return self.query_one(f"#{field}", Input).value.strip()

        return NetworkRequest(
            value("name"),
            NetworkMode(str(self.query_one("#mode", Select).value)),
            value("subnet"),
            value("dhcp_start"),
            value("dhcp_end"),
        )

    @on(Input.Changed, "#subnet")
    def _subnet_changed(self, event: Input.Changed) -> None:
        """The DHCP range moves with the subnet while it is the one offered for the last subnet."""
        try:
            old, new = (ipaddress.IPv4Network(s, strict=True) for s in (self._dhcp_for, event.value.strip()))
        except ValueError:
            return
        start, end = (self.query_one(f"#{f}", Input) for f in ("dhcp_start", "dhcp_end"))
        if (start.value, end.value) == dhcp_range(old) and old != new:
            start.value, end.value = dhcp_range(new)
            self._dhcp_for = str(new)

    def check(self) -> dict[str, str]:
        request = self.request()
        errors = check_network(request, self._existing, self._routes)
        taken = ", ".join(f"{n.name} {n.subnet}" for n in self._existing if n.subnet)
        show_reasons(
            self, errors, {"subnet": f"taken: {taken}" if taken else "", "mode": MODE_HINTS[request.mode]}
        )
        self.query_one("#add", Button).disabled = bool(errors)
        return errors
