"""`M`: where the guest (or the marked guests) go, and how. Every other connected host is listed;
one that will not do is shown greyed with its reason. The options are virsh migrate's."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, OptionList
from textual.widgets.option_list import Option

from tuivirt.backend.numbers import Refused, count
from tuivirt.backend.ops.migrate.checks import GuestNeeds, HostOffer, refusal_for_all
from tuivirt.backend.ops.migrate.options import MAX_BANDWIDTH_MIB, MAX_DOWNTIME_MS, MigrationOptions
from tuivirt.ui.shared.dialogs.device_form import DeviceFormScreen
from tuivirt.ui.shared.form_rows import row, show_reasons
from tuivirt.ui.shared.plain import Plain, PlainCheckbox, PlainLabel, plain

ADDRESS = re.compile(r"^[A-Za-z0-9.:\[\]-]*$")
CHECKBOXES = {  # field id -> (label, MigrationOptions attribute)
    "live": ("Live", "live"),
    "persistent": ("Persistent on target", "persistent"),
    "undefine": ("Undefine on source", "undefine_source"),
    "copy-storage": ("Copy storage", "copy_storage"),
    "auto-converge": ("Auto-converge", "auto_converge"),
    "postcopy": ("Allow post-copy", "allow_postcopy"),
}
NUMBERS = {  # field id -> (label, MigrationOptions attribute, the largest value QEMU takes)
    "downtime": ("Max downtime (ms)", "max_downtime_ms", MAX_DOWNTIME_MS),
    "bandwidth": ("Bandwidth (MiB/s)", "bandwidth_mib", MAX_BANDWIDTH_MIB),
}


@dataclass(frozen=True)
class Destination:
    """A host the guests could go to: what it offers, or why it could not be read."""

    uri: str
    name: str
    offer: HostOffer | None
    unreadable: str = ""
    address: str = ""  # where its migration stream is reached, as guessed


@dataclass(frozen=True)
class MigrationRequest:
    target_uri: str
    options: MigrationOptions


class MigrateFormScreen(DeviceFormScreen[MigrationRequest]):
    def __init__(self, guests: list[GuestNeeds], destinations: list[Destination], source: str) -> None:
        super().__init__()
        self._guests = guests
        self._destinations = {d.uri: d for d in destinations}
        self._source = source
        self._addressed = ""  # the target whose guessed address the field holds
        self._note = ""

    def compose(self) -> ComposeResult:
        running = any(g.running for g in self._guests)
        what = self._guests[0].name if len(self._guests) == 1 else f"{len(self._guests)} guests"
        note = (
            "Live: it runs on while its memory is copied." if running else "Shut off: its definition moves."
        )
        with Vertical(classes="dialog", id="migrate-form"):
            yield PlainLabel(f"Migrate {what} from {self._source}", classes="dialog-title")
            self._note = note
            yield Plain(note, classes="dialog-note", id="migrate-note")
            yield OptionList(id="migrate-targets", compact=True)
            defaults = MigrationOptions(live=running)
            for field_id, (label, attribute) in CHECKBOXES.items():
                yield row(label, field_id, PlainCheckbox("", value=bool(getattr(defaults, attribute))))
            for field_id, (label, _attribute, _most) in NUMBERS.items():
                yield row(label, field_id, Input(placeholder="default", restrict=r"\d*"))
            yield row("Address", "address", Input(placeholder="host name"))
            with Horizontal(classes="dialog-buttons"):
                yield Button("Migrate (ctrl+s)", variant="primary", compact=True, id="add")
                yield Button("Cancel (esc)", compact=True, id="cancel")

    def on_mount(self) -> None:
        self._list_targets()
        super().on_mount()

    def _options(self) -> MigrationOptions:
        chosen = {attr: self.query_one(f"#{fid}", Checkbox).value for fid, (_l, attr) in CHECKBOXES.items()}
        numbers = {attr: self._number(fid) for fid, (_l, attr, _most) in NUMBERS.items()}
        address = self.query_one("#address", Input).value.strip()
        return replace(MigrationOptions(**chosen, **numbers), address=address)  # type: ignore[arg-type]

    def _number(self, field_id: str) -> int:
        """The field's value, 0 (libvirt's default) when empty or refused (check() says why)."""
        value = count(self.query_one(f"#{field_id}", Input).value or "0", 0, NUMBERS[field_id][2])
        return 0 if isinstance(value, Refused) else value

    def _why_not(self, destination: Destination, options: MigrationOptions) -> str:
        if destination.offer is None:
            return f"could not be read: {destination.unreadable}"
        return refusal_for_all(self._guests, destination.offer, options)

    def _list_targets(self) -> None:
        """The hosts again (an option such as copy storage changes which will do), the choice kept."""
        targets = self.query_one("#migrate-targets", OptionList)
        chosen = self.target_uri()
        options = self._options()
        targets.clear_options()
        for destination in self._destinations.values():
            why = self._why_not(destination, options)
            prompt = f"{destination.name}: {why}" if why else destination.name
            targets.add_option(Option(plain(prompt), id=destination.uri, disabled=bool(why)))
        enabled = [i for i, d in enumerate(self._destinations.values()) if not self._why_not(d, options)]
        uris = list(self._destinations)
        if enabled:
            targets.highlighted = (
                uris.index(chosen) if chosen in uris and uris.index(chosen) in enabled else enabled[0]
            )
        self._guess_address()

    def target_uri(self) -> str:
        targets = self.query_one("#migrate-targets", OptionList)
        if targets.highlighted is None or targets.option_count == 0:
            return ""
        option = targets.get_option_at_index(targets.highlighted)
        return "" if option.disabled else str(option.id)

    def _guess_address(self) -> None:
        uri = self.target_uri()
        if uri and uri != self._addressed:
            self._addressed = uri
            self.query_one("#address", Input).value = self._destinations[uri].address

    @on(OptionList.OptionHighlighted)
    def _target_moved(self) -> None:
        self._guess_address()
        self.check()

    @on(Checkbox.Changed)
    def _option_changed(self) -> None:
        self._list_targets()
        self.check()

    def request(self) -> MigrationRequest:
        return MigrationRequest(self.target_uri(), self._options())

    def check(self) -> dict[str, str]:
        errors = {}
        if not self.target_uri():
            errors["migrate-targets"] = "no host will take it"
        for field_id, (_label, _attribute, most) in NUMBERS.items():
            value = count(self.query_one(f"#{field_id}", Input).value or "0", 0, most)
            if isinstance(value, Refused):
                errors[field_id] = f"{value} (0 or empty: libvirt's default)"
        address = self.query_one("#address", Input).value.strip()
        if not ADDRESS.match(address):
            errors["address"] = "a host name or an IP address"
        hints = {
            "address": "the stream goes to tcp://ADDRESS",
            "copy-storage": "disks not shared, into the target's pool",
            "postcopy": "p switches while it runs",
        }
        show_reasons(self, errors, hints)
        self.query_one("#add", Button).disabled = bool(errors)
        nowhere = "No connected host will take it: the reason is beside each."
        self.query_one("#migrate-note", Plain).update(nowhere if "migrate-targets" in errors else self._note)
        return errors
