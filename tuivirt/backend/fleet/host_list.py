"""The hosts of this run, in order, and which of them belong in the config file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set
from pathlib import Path

from tuivirt.backend.config.load import uri_problem
from tuivirt.backend.config.save import save_hosts
from tuivirt.backend.live.models import HostConfig


class HostList:
    """Hosts keyed by URI. Those from the config file, and those added or edited in the UI, are
    written on save; hosts given with -c stay for this run only unless the user edits them."""

    def __init__(self, hosts: Iterable[HostConfig], config_file: Path, saved_uris: Set[str]) -> None:
        self._hosts = list(hosts)
        self.config_file = config_file
        self._saved = {h.uri for h in self._hosts if h.uri in saved_uris}
        self.unsaved_changes = False

    def __iter__(self) -> Iterator[HostConfig]:
        return iter(list(self._hosts))

    def __len__(self) -> int:
        return len(self._hosts)

    def find(self, uri: str) -> HostConfig | None:
        return next((h for h in self._hosts if h.uri == uri), None)

    def get(self, uri: str) -> HostConfig:
        host = self.find(uri)
        if host is None:
            raise KeyError(uri)
        return host

    def in_file(self, uri: str) -> bool:
        """Whether a save writes this host (else it came from -c, for this run only)."""
        return uri in self._saved

    def problems(self, host: HostConfig, replacing: str | None = None) -> dict[str, str]:
        """Field name -> what is wrong with it, for the host form."""
        others = [h for h in self._hosts if h.uri != replacing]
        problems: dict[str, str] = {}
        if not host.name.strip():
            problems["name"] = "a name is needed"
        elif any(h.name == host.name for h in others):
            problems["name"] = f"another host is called {host.name}"
        problem = uri_problem(host.uri)
        if problem:
            problems["uri"] = problem
        elif any(h.uri == host.uri for h in others):
            problems["uri"] = f"{host.uri} is already a host"
        return problems

    def add(self, host: HostConfig, replacing: str | None = None) -> None:
        """Add ``host`` at the end, or in the place of the host whose URI is ``replacing``."""
        problems = self.problems(host, replacing)
        if problems:
            raise ValueError(f"cannot add {host}: {problems}")
        index = next((i for i, h in enumerate(self._hosts) if h.uri == replacing), None)
        if index is None:
            self._hosts.append(host)
        else:
            self._saved.discard(self._hosts[index].uri)
            self._hosts[index] = host
        self._saved.add(host.uri)
        self.unsaved_changes = True

    def remove(self, uri: str) -> None:
        if uri in self._saved:
            self.unsaved_changes = True
        self._hosts = [h for h in self._hosts if h.uri != uri]
        self._saved.discard(uri)

    def save(self) -> None:
        """Write the hosts that belong in the file (raises ConfigSaveError, file untouched)."""
        save_hosts(self.config_file, [h for h in self._hosts if h.uri in self._saved])
        self.unsaved_changes = False
