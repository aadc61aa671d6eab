"""`n`: the new-guest form. Every field is checked as it changes and its reason shown beside it;
Create stays disabled until the spec is valid; Preview shows the exact XML; creation runs on a
thread and a failure keeps the form open with its values and the reason.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select

from tuivirt.backend import numbers
from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.numbers import parse_memory_mib
from tuivirt.backend.ops.common.host_offer import HostOffer, read_offer
from tuivirt.backend.ops.create.create_guest import create_guest
from tuivirt.backend.ops.create.guest_spec import (
    DiskMode,
    Firmware,
    Graphics,
    GuestSpec,
    InstallMode,
    NetMode,
    check,
    domain_xml,
    volume_xml,
)
from tuivirt.backend.ops.create.osinfo import GENERIC, OsVariant, load_variants
from tuivirt.backend.ops.editor.settings import MAX_VCPUS
from tuivirt.ui.create.fields import ALL_DEPENDENT, DEPENDENT, form_rows
from tuivirt.ui.create.messages import (
    CreateProgress,
    CreateReturned,
    OfferRead,
    VariantsRead,
)
from tuivirt.ui.shared.commands import Created
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.dialogs.preview import PreviewScreen
from tuivirt.ui.shared.host_calls import call_host
from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel
from tuivirt.ui.shared.widgets.app_footer import AppFooter
from tuivirt.ui.shared.widgets.app_header import AppHeader


class CreateScreen(Keymapped, Screen[Created | None]):
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="create.cancel"),
        Binding("ctrl+r", "preview", "Preview XML", id="create.preview"),
        Binding("ctrl+s", "create", "Create", id="create.create"),
    ]

    def __init__(self, fleet: Fleet, host_uri: str) -> None:
        super().__init__()
        self._fleet = fleet
        self._variants: dict[str, OsVariant] | None = None  # the osinfo database, once read
        self._host_uri = host_uri
        self._offer: HostOffer | None = None
        self._busy = False
        self._open_console = False  # once created: open its console
        self._untouched: dict[str, object] = {}  # each field's value before the user typed anything

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        hosts = [(s.config.name, uri) for uri, s in self._fleet.sessions.items()]
        yield AppHeader()
        with VerticalScroll(id="form"):
            yield Plain("reading the host…", id="form-status")
            yield from form_rows(hosts, self._host_uri)
            yield Plain("", id="form-result")
        with Horizontal(classes="dialog-buttons", id="form-buttons"):
            for button in (
                Button("Preview XML (^R)", id="preview"),
                Button("Create (^S)", variant="primary", id="create", disabled=True),
                Button("Cancel (Esc)", id="cancel"),
            ):
                button.compact = True
                yield button
        yield AppFooter()

    def on_mount(self) -> None:
        self.title = "New guest"
        self._show_dependent()
        self.query_one("#name", Input).focus()
        self._untouched = self._values((Input, Checkbox))
        self._load_offer(self._host_uri)
        self._load_variants()

    def _values(self, kinds: tuple[type[Widget], ...]) -> dict[str, object]:
        fields = self.query("Input, Checkbox, Select")
        return {w.id or "": getattr(w, "value", None) for w in fields if isinstance(w, kinds)}

    def has_values(self) -> bool:
        """True once the user has typed or chosen something that leaving would lose."""
        now = self._values((Input, Checkbox, Select))
        return any(now.get(field_id) != value for field_id, value in self._untouched.items())

    # -- the host's offer ------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="create-osinfo")
    def _load_variants(self) -> None:
        """On a thread: the osinfo database is thousands of files."""
        self.post_message(VariantsRead(load_variants()))

    @on(VariantsRead)
    def _variants_read(self, message: VariantsRead) -> None:
        self._variants = {v.short_id: v for v in message.variants}
        suggester = SuggestFromList(list(self._variants), case_sensitive=False)
        self.query_one("#os_variant", Input).suggester = suggester
        self._validate()

    def _variant(self, short_id: str) -> OsVariant | None:
        if self._variants is None:
            return GENERIC if short_id == GENERIC.short_id else None
        return self._variants.get(short_id)

    def _load_offer(self, uri: str) -> None:
        name = self._fleet.host_name(uri)
        job = partial(
            self._fleet.call,
            uri,
            lambda conn: read_offer(conn, name, uri),
            what="Cannot read pools, networks and firmware",
        )
        call_host(self, job, partial(OfferRead, uri), group="create-offer", exclusive=True)

    @on(OfferRead)
    def _offer_read(self, message: OfferRead) -> None:
        if isinstance(message.outcome, HostCallError):  # a libvirt error or a host gone: said on the form
            self._status(str(message.outcome), True)
        else:
            self._offer_loaded(message.uri, message.outcome)

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#form-status", Plain)
        status.update(text)
        status.set_class(error, "form-error")

    def _offer_loaded(self, uri: str, offer: HostOffer) -> None:
        self._host_uri, self._offer = uri, offer
        self._set_options("virt_type", offer.virt_types)
        self._set_options("arch", offer.arches)
        self._set_options(
            "machine", offer.machines.get(offer.arches[0], ()) if offer.arches else (), blank_ok=True
        )
        pools = sorted(offer.pools.values(), key=lambda p: (not p.active, p.name))
        self._set_options(
            "disk_pool",
            [p.name for p in pools],
            labels=[
                f"{p.name} ({p.free_bytes / 1024**3:.1f} GiB free{'' if p.active else ', inactive'})"
                for p in pools
            ],
        )
        networks = sorted(offer.networks, key=lambda n: (not offer.networks[n], n))
        self._set_options(
            "network", networks, labels=[n if offer.networks[n] else f"{n} (inactive)" for n in networks]
        )
        # Paths the host has as volumes are suggested as you type (ISOs for the CD-ROM).
        files = sorted(offer.known_files)
        isos = [f for f in files if f.lower().endswith(".iso")]
        self.query_one("#iso_path", Input).suggester = SuggestFromList(isos or files, case_sensitive=False)
        for field_id in ("disk_path", "kernel", "initrd"):
            self.query_one(f"#{field_id}", Input).suggester = SuggestFromList(files, case_sensitive=False)
        uefi = "UEFI available" if offer.uefi_loader else "no UEFI firmware"
        # 0 is what a host that does not report it says (libvirt's test driver): not "none free".
        free = f"{offer.free_memory_mib} MiB free" if offer.free_memory_mib else "free memory not reported"
        self._status(f"{offer.host_name}: {free}, up to {offer.max_vcpus} vCPUs, {uefi}")
        if "host" not in self._untouched:  # the first offer fills the Selects: their untouched values
            self._untouched |= self._values((Select,))
        self._validate()

    def _set_options(
        self, field_id: str, values: Any, labels: list[str] | None = None, blank_ok: bool = False
    ) -> None:
        select: Select[str] = self.query_one(f"#{field_id}", Select)
        values = [str(v) for v in values]
        select.set_options(list(zip(labels or values, values, strict=True)))
        if values and not blank_ok:
            select.value = values[0]

    # -- reading and checking the form -----------------------------------------------------

    def _value(self, field_id: str) -> str:
        widget = self.query_one(f"#{field_id}")
        if isinstance(widget, Input):
            return widget.value.strip()
        if isinstance(widget, Select):
            return "" if widget.is_blank() else str(widget.value)
        raise TypeError(field_id)

    def _checked(self, field_id: str) -> bool:
        return self.query_one(f"#{field_id}", Checkbox).value

    def spec(self) -> tuple[GuestSpec, dict[str, str]]:
        """The spec the form describes, and the fields it could not even read."""
        unreadable: dict[str, str] = {}
        memory = parse_memory_mib(self._value("memory"))
        if memory is None:
            unreadable["memory"] = "a size such as 1024, 512M or 2G"
        vcpus = numbers.count(self._value("vcpus"), 1, MAX_VCPUS)
        if isinstance(vcpus, numbers.Refused):
            unreadable["vcpus"] = str(vcpus)
        disk_bytes = numbers.size_bytes(self._value("disk_gib"), "G", minimum=0)
        if isinstance(disk_bytes, numbers.Refused):
            unreadable["disk_gib"] = f"a number of GiB ({disk_bytes})"
        disk_gib = 0.0 if isinstance(disk_bytes, numbers.Refused) else disk_bytes / numbers.GIB
        variant = self._variant(self._value("os_variant"))
        if variant is None and self._variants is None:
            unreadable["os_variant"] = "reading the osinfo database…"
        elif variant is None:
            unreadable["os_variant"] = "not in the osinfo database (try generic)"
        spec = GuestSpec(
            name=self._value("name"),
            memory_mib=memory or 0,
            vcpus=0 if isinstance(vcpus, numbers.Refused) else vcpus,
            virt_type=self._value("virt_type"),
            arch=self._value("arch"),
            machine=self._value("machine"),
            firmware=Firmware(self._value("firmware")),
            os_variant=(variant or GENERIC).short_id,
            os_id=(variant or GENERIC).os_id,
            disk_mode=DiskMode(self._value("disk_mode")),
            disk_pool=self._value("disk_pool"),
            disk_gib=disk_gib,
            disk_format=self._value("disk_format"),
            disk_path=self._value("disk_path"),
            disk_bus=self._value("disk_bus"),
            install=InstallMode(self._value("install")),
            iso_path=self._value("iso_path"),
            kernel=self._value("kernel"),
            initrd=self._value("initrd"),
            cmdline=self._value("cmdline"),
            net_mode=NetMode(self._value("net_mode")),
            network=self._value("network"),
            bridge=self._value("bridge"),
            nic_model=self._value("nic_model"),
            graphics=Graphics(self._value("graphics")),
            autostart=self._checked("autostart"),
            start=self._checked("start"),
        )
        return spec, unreadable

    def _validate(self) -> bool:
        """Show each field's reason beside it; enable Create only when nothing blocks."""
        spec, unreadable = self.spec()
        result = check(spec, self._offer) if self._offer else None
        errors = {**(result.errors if result else {}), **unreadable}
        warnings = result.warnings if result else {}
        for why in self.query(".form-why").results(PlainLabel):
            field_id = (why.id or "").removesuffix("-why")
            text = errors.get(field_id) or warnings.get(field_id, "")
            why.update(text)
            why.set_class(field_id in errors, "form-error")
            why.set_class(field_id not in errors and field_id in warnings, "form-warning")
        valid = result is not None and not errors and not self._busy
        self.query_one("#create", Button).disabled = not valid
        return valid

    def _show_dependent(self) -> None:
        shown = {f for key, choices in DEPENDENT.items() for f in choices.get(self._value(key), ())}
        for field_id in ALL_DEPENDENT:
            self.query_one(f"#{field_id}-row").display = field_id in shown

    @on(Input.Changed)
    @on(Checkbox.Changed)
    def _changed(self) -> None:
        self._validate()

    @on(Input.Changed, "#os_variant")
    def _variant_chosen(self, event: Input.Changed) -> None:
        """A known OS suggests its memory, vCPUs, disk size and device models."""
        variant = self._variant(event.value.strip())
        if variant is None or variant is GENERIC:
            return
        self.query_one("#memory", Input).value = str(variant.memory_mib)
        self.query_one("#vcpus", Input).value = str(variant.vcpus)
        self.query_one("#disk_gib", Input).value = str(variant.disk_gib)
        self.query_one("#disk_bus", Select).value = "virtio" if variant.virtio else "sata"
        self.query_one("#nic_model", Select).value = "virtio" if variant.virtio else "e1000e"

    @on(Select.Changed)
    def _selected(self, event: Select.Changed) -> None:
        if event.select.id == "host" and event.value != self._host_uri and isinstance(event.value, str):
            self._offer = None
            self._status("reading the host…")
            self._load_offer(event.value)
        elif event.select.id == "arch" and self._offer is not None:
            self._set_options("machine", self._offer.machines.get(str(event.value), ()), blank_ok=True)
        self._show_dependent()
        self._validate()

    # -- actions ---------------------------------------------------------------------------

    def action_cancel(self) -> None:
        if self._busy:
            return
        if not self.has_values():
            self.dismiss(None)
            return

        def answered(leave: bool | None) -> None:
            if leave:
                self.dismiss(None)

        self.app.push_screen(
            ConfirmScreen("Leave the new-guest form?", "The values you entered will be lost.", "Leave"),
            answered,
        )

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self) -> None:
        self.action_cancel()

    @on(Button.Pressed, "#preview")
    def action_preview(self) -> None:
        if self._offer is None:
            return
        spec, _unreadable = self.spec()
        volume = volume_xml(spec) if spec.disk_mode is DiskMode.NEW else ""
        self.app.push_screen(PreviewScreen(domain_xml(spec, self._offer), volume))

    @on(Button.Pressed, "#create")
    def action_create(self) -> None:
        if self._offer is None or not self._validate():
            return
        spec, _unreadable = self.spec()
        self._busy = True
        self._validate()
        self._create(spec, self._offer, self._checked("open_console"))

    def _create(self, spec: GuestSpec, offer: HostOffer, open_console: bool) -> None:
        def progress(step: str) -> None:  # on the worker thread
            self.post_message(CreateProgress(step))

        create = partial(create_guest, spec=spec, offer=offer, progress=progress)
        job = partial(self._fleet.call, self._host_uri, create, what=f"Create {spec.name}", changes=True)
        self._open_console = open_console and spec.start
        call_host(self, job, CreateReturned, group="create")

    @on(CreateProgress)
    def _progress(self, message: CreateProgress) -> None:
        self._result(f"{message.step}…", False)

    @on(CreateReturned)
    def _created(self, message: CreateReturned) -> None:
        if isinstance(message.outcome, HostCallError):
            self._failed(str(message.outcome))
        else:
            self.dismiss(Created(self._host_uri, message.outcome, self._open_console))

    def _result(self, text: str, error: bool) -> None:
        result = self.query_one("#form-result", Plain)
        result.update(text)
        result.set_class(error, "form-error")

    def _failed(self, message: str) -> None:
        """The values stay; the reason shows; the host is read again (a name may be taken now)."""
        self._busy = False
        self._result(message, True)
        self._load_offer(self._host_uri)
