"""The domains table: every guest of every host, one row per UUID."""

from __future__ import annotations

from textual.widgets import DataTable

from tuivirt.backend.models import DomainSnapshot, HostSnapshot
from tuivirt.ui.format import format_kib


def row_key(domain: DomainSnapshot, host_uri: str) -> str:
    """UUIDs are unique per host only (clones, two test-driver hosts): the key names both."""
    return f"{host_uri}#{domain.uuid}"


def domain_cells(domain: DomainSnapshot) -> tuple[str, ...]:
    return (domain.host, domain.name, domain.state.label, str(domain.vcpus), format_kib(domain.memory_kib))


class DomainsTable(DataTable[str]):
    """Rows keyed by host and domain UUID; a host's snapshot adds, updates and removes only its own rows."""

    COLUMNS = ("Host", "Name", "State", "vCPUs", "Memory")

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.zebra_stripes = True
        for label in self.COLUMNS:
            self.add_column(label, key=label.lower())
        self._hosts: dict[str, set[str]] = {}

    def show(self, snapshot: HostSnapshot) -> None:
        host_uri = snapshot.config.uri
        previous = self._hosts.get(host_uri, set())
        current = {row_key(domain, host_uri): domain for domain in snapshot.domains}
        for key in previous - current.keys():
            self.remove_row(key)
        for key, domain in current.items():
            cells = domain_cells(domain)
            if key not in previous:
                self.add_row(*cells, key=key)
                continue
            for column, value in zip(self.COLUMNS, cells, strict=True):
                if self.get_cell(key, column.lower()) != value:
                    self.update_cell(key, column.lower(), value)
        self._hosts[host_uri] = set(current)
