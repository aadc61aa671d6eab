"""`M` and evacuation: what the guests need and what every connected host offers are read on
workers, the form (or the evacuation plan) is shown, then the migrations run, at most two at a time,
each on connections of its own, with a progress dialog; the rows say "migrating → target"."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import partial

from textual import on
from textual.message import Message
from textual.widget import Widget

from tuivirt.backend.fleet.fleet import Fleet, HostCallError
from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.migrate.checks import GuestNeeds, read_needs, read_offer
from tuivirt.backend.ops.migrate.evacuate import AT_ONCE, Placement, plan_evacuation, running_guests
from tuivirt.backend.ops.migrate.job import MigrationControl, MigrationProgress, migrate_guest
from tuivirt.backend.ops.migrate.options import MigrationOptions, migration_address
from tuivirt.format import format_bytes
from tuivirt.ui.migrate.migrate_form import Destination, MigrateFormScreen, MigrationRequest
from tuivirt.ui.migrate.migration_progress import MigrationProgressScreen, MoveShown
from tuivirt.ui.shared.dialogs.confirm import ConfirmScreen
from tuivirt.ui.shared.host_calls import HostReply, call_host
from tuivirt.ui.shared.pending import PendingActions
from tuivirt.ui.shared.widgets.domains_table import DomainsTable, row_key


@dataclass(frozen=True)
class Move:
    guest: GuestTarget
    target_uri: str
    options: MigrationOptions


class Prepared(HostReply[tuple[list[GuestNeeds], list[Destination]]]):
    def __init__(
        self, guests: list[GuestTarget], outcome: tuple[list[GuestNeeds], list[Destination]] | HostCallError
    ) -> None:
        super().__init__(outcome)
        self.guests = guests


class Planned(HostReply[tuple[list[Placement], list[Destination]]]):
    def __init__(self, uri: str, outcome: tuple[list[Placement], list[Destination]] | HostCallError) -> None:
        super().__init__(outcome)
        self.uri = uri


class MoveEnded(Message):
    def __init__(self, move: Move, outcome: str, error: HostCallError | None) -> None:
        super().__init__()
        self.move, self.outcome, self.error = move, outcome, error


def _post_moved(screen: MigrationProgressScreen, key: str, progress: MigrationProgress) -> None:
    screen.post_message(MigrationProgressScreen.Moved(key, progress))


class GuestMigrator(Widget):
    DEFAULT_CSS = "GuestMigrator { display: none; }"

    def __init__(self, fleet: Fleet, pending: PendingActions) -> None:
        super().__init__()
        self._fleet = fleet
        self._pending = pending
        self._reading = False  # the hosts are being read for a form: a second M waits for it

    # -- reading ---------------------------------------------------------------------------

    def _destinations(self, guests: list[GuestNeeds], source_uri: str, uris: list[str]) -> list[Destination]:
        """The hosts at ``uris``, read side by side (a slow one holds up only its own line). On a
        worker: ``uris`` were taken on the UI loop, which owns the fleet's host list."""
        fleet = self._fleet

        def read(uri: str) -> Destination:
            name = fleet.host_name(uri)
            address = migration_address(source_uri, uri)
            try:
                offer = fleet.call(uri, partial(read_offer, uri=uri, guests=guests), what="Read the host")
            except HostCallError as exc:
                return Destination(uri, name, None, exc.reason, address)
            return Destination(uri, name, offer, "", address)

        with ThreadPoolExecutor(max_workers=max(1, len(uris)), thread_name_prefix="migrate-read") as pool:
            return list(pool.map(read, uris))

    def migrate(self, targets: list[GuestTarget]) -> None:
        fleet = self._fleet
        uris = fleet.up_hosts()
        if self._reading:  # (a second M once stacked a second form)
            self.notify("Migrate: still checking the hosts…")
            return
        self._reading = True
        # Said in the guests' rows, as "migrating → b" is: a toast would still cover the form's
        # buttons when it opens.
        checking = f"checking {len(uris)} host{'s' if len(uris) != 1 else ''}…"
        for target in targets:
            self._pending.note(target.key, checking)
        self._touch([t.key for t in targets])

        def job() -> tuple[list[GuestNeeds], list[Destination]]:
            needs = [
                fleet.call(
                    t.host_uri, partial(read_needs, uuid=t.uuid, host_uri=t.host_uri), what=f"Read {t.name}"
                )
                for t in targets
            ]
            return needs, self._destinations(needs, targets[0].host_uri, uris)

        call_host(self, job, partial(Prepared, targets))

    @on(Prepared)
    def _prepared(self, message: Prepared) -> None:
        self._reading = False
        for target in message.guests:
            self._pending.note(target.key, None)
        self._touch([t.key for t in message.guests])
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
            return
        needs, destinations = message.outcome
        targets = message.guests
        sources = ", ".join(dict.fromkeys(t.host_name for t in targets))

        def chosen(request: MigrationRequest | None) -> None:
            if request is not None:
                moves = [Move(t, request.target_uri, request.options) for t in targets]
                self._run(moves, f"Migrate to {self._fleet.host_name(request.target_uri)}")

        self.app.push_screen(MigrateFormScreen(needs, destinations, sources), chosen)

    def evacuate(self, uri: str) -> None:
        """Every running guest of the host at ``uri`` to the others: the plan first, to confirm."""
        fleet = self._fleet
        uris = [u for u in fleet.up_hosts() if u != uri]

        def job() -> tuple[list[Placement], list[Destination]]:
            guests = fleet.call(uri, partial(running_guests, host_uri=uri), what="Read its running guests")
            destinations = self._destinations(guests, uri, uris)
            offers = [d.offer for d in destinations if d.offer is not None]
            names = {d.uri: d.name for d in destinations}
            return plan_evacuation(guests, offers, MigrationOptions(), names), destinations

        call_host(self, job, partial(Planned, uri))

    @on(Planned)
    def _planned(self, message: Planned) -> None:
        host = self._fleet.host_name(message.uri)
        if isinstance(message.outcome, HostCallError):
            self.notify(str(message.outcome), severity="error", timeout=10)
            return
        plan, destinations = message.outcome
        if not plan:
            self.notify(f"No guest runs on {host}: nothing to evacuate.")
            return
        addresses = {d.uri: d.address for d in destinations}
        lines, moves = [], []
        for placed in plan:
            guest = placed.guest
            size = format_bytes(guest.memory_kib * 1024)
            if not placed.target_uri:
                lines.append(f"{guest.name} ({size}) stays: {placed.why_not}")
                continue
            lines.append(f"{guest.name} ({size}) → {self._fleet.host_name(placed.target_uri)}")
            target = GuestTarget(row_key(message.uri, guest.uuid), guest.uuid, guest.name, host, message.uri)
            options = replace(MigrationOptions(), address=addresses.get(placed.target_uri, ""))
            moves.append(Move(target, placed.target_uri, options))
        body = (
            "\n".join(lines)
            + f"\n\nLive, {AT_ONCE} at a time; each is defined on its new host and undefined here."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._run(moves, f"Evacuate {host}")

        if not moves:
            self.notify(
                f"Evacuate {host}: no guest can go anywhere.\n" + "\n".join(lines),
                severity="warning",
                timeout=15,
            )
            return
        self.app.push_screen(ConfirmScreen(f"Evacuate {host}?", body, "Evacuate"), answered)

    # -- running ---------------------------------------------------------------------------

    def _touch(self, keys: list[str]) -> None:
        self.screen.query_one(DomainsTable).touch(keys)

    def _run(self, moves: list[Move], title: str) -> None:
        fleet = self._fleet
        shown, controls = [], {}
        for move in moves:
            key, target_name = move.guest.key, fleet.host_name(move.target_uri)
            controls[key] = MigrationControl(lambda _progress: None)  # until the dialog is there
            title_line = f"{move.guest.name} → {target_name}"
            shown.append(MoveShown(key, title_line, controls[key], move.options.allow_postcopy))
            self._pending.note(key, f"migrating → {target_name}")
        progress = MigrationProgressScreen(title, shown)
        for key, control in controls.items():
            control.report = partial(_post_moved, progress, key)
        self.app.push_screen(progress)
        self._touch([m.guest.key for m in moves])

        def one(move: Move) -> None:
            guest, target_name = move.guest, fleet.host_name(move.target_uri)
            work = partial(
                migrate_guest,
                uuid=guest.uuid,
                options=move.options,
                control=controls[guest.key],
                target_name=target_name,
            )
            what = f"Migrate {guest.name} to {target_name}"
            try:
                outcome, error = (
                    fleet.call_between(
                        guest.host_uri, move.target_uri, work, what=what, guest=guest.uuid, name=guest.name
                    ),
                    None,
                )
            except HostCallError as exc:
                outcome, error = (exc.reason if exc.cancelled else str(exc)), exc
            progress.post_message(MigrationProgressScreen.Ended(guest.key, outcome, error is not None))
            self.post_message(MoveEnded(move, outcome, error))

        def run_all() -> None:
            with ThreadPoolExecutor(max_workers=AT_ONCE, thread_name_prefix="migrate") as pool:
                list(pool.map(one, moves))

        self.run_worker(run_all, thread=True, exit_on_error=False, group="migrations")

    @on(MoveEnded)
    def _ended(self, message: MoveEnded) -> None:
        key = message.move.guest.key
        self._pending.note(key, None)
        self._touch([key])
        error = message.error
        if error is None:
            self.notify(f"{message.outcome}.", timeout=8)
        elif error.cancelled:
            self.notify(
                f"Migrate {message.move.guest.name}: {message.outcome}.", severity="warning", timeout=10
            )
        else:
            self.notify(message.outcome, severity="error", timeout=12)
