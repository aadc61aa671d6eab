"""One refresh of some hosts without the UI, for `tuivirt list` and scripts."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict
from typing import Any

import libvirt

from tuivirt.backend.live.connection import DEFAULT_OPEN_TIMEOUT, HostError, describe_error, open_connection
from tuivirt.backend.live.models import HostConfig, HostSnapshot, HostStatus
from tuivirt.backend.live.poller import HostPoller, read_facts


def snapshot_host(
    config: HostConfig, *, interval: float = 1.0, readonly: bool = True, timeout: float = DEFAULT_OPEN_TIMEOUT
) -> HostSnapshot:
    """Two ticks ``interval`` seconds apart (rates need two samples); DOWN with the reason on failure."""
    try:
        conn = open_connection(config.uri, readonly=readonly, timeout=timeout)
    except HostError as exc:
        return HostSnapshot(config, HostStatus.DOWN, str(exc))
    try:
        poller = HostPoller(config, read_facts(conn))
        poller.tick(conn)
        poller.read_all(conn)  # (every guest: nothing is on a screen here)
        time.sleep(interval)
        return poller.tick(conn)
    except libvirt.libvirtError as exc:
        return HostSnapshot(config, HostStatus.DOWN, describe_error(exc))
    finally:
        conn.close()


def snapshot_hosts(configs: list[HostConfig], **kwargs: Any) -> list[HostSnapshot]:
    """All hosts at once, so that a dead one costs its timeout, not the sum."""
    with ThreadPoolExecutor(max_workers=max(1, len(configs))) as pool:
        return list(pool.map(lambda config: snapshot_host(config, **kwargs), configs))


def host_as_dict(snapshot: HostSnapshot) -> dict[str, Any]:
    """A JSON-ready view: states as virsh words (and their libvirt codes)."""
    facts = asdict(snapshot.facts)
    domains = [
        {**asdict(d), "state": d.state.label, "state_code": int(d.state), "memory_pct": d.memory_pct}
        for d in sorted(snapshot.domains, key=lambda d: d.name)
    ]
    return {
        "name": snapshot.config.name,
        "uri": snapshot.config.uri,
        "status": str(snapshot.status),
        "reason": snapshot.reason,
        **facts,
        "cpu_pct": snapshot.cpu_pct,
        "memory_free_kib": snapshot.memory_free_kib,
        "domains_running": snapshot.running,
        "domains_total": len(snapshot.domains),
        "domains": domains,
    }
