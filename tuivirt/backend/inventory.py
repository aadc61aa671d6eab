"""Reading a host's guests into snapshots, with one bulk call where the driver has it."""

from __future__ import annotations

import libvirt

from tuivirt.backend.models import DomainSnapshot, DomainState

STATS_GROUPS = (
    libvirt.VIR_DOMAIN_STATS_STATE | libvirt.VIR_DOMAIN_STATS_BALLOON | libvirt.VIR_DOMAIN_STATS_VCPU
)


def _is_gone(exc: libvirt.libvirtError) -> bool:
    return bool(exc.get_error_code() == libvirt.VIR_ERR_NO_DOMAIN)


def read_domains(conn: libvirt.virConnect, host: str) -> tuple[DomainSnapshot, ...]:
    """All guests of ``conn``, sorted by name.

    ``getAllDomainStats`` returns state, vCPUs and memory for every guest in one RPC. The test
    driver fills only the state group, so there (and only where keys are missing) ``info()``
    fills the rest. A guest undefined between the two calls is dropped quietly.
    """
    snapshots = []
    for dom, stats in conn.getAllDomainStats(STATS_GROUPS, 0):
        state = stats.get("state.state")
        vcpus = stats.get("vcpu.current", stats.get("vcpu.maximum"))
        memory = stats.get("balloon.current", stats.get("balloon.maximum"))
        if state is None or vcpus is None or memory is None:
            try:
                info = dom.info()  # [state, max memory KiB, memory KiB, vCPUs, cpu time]
            except libvirt.libvirtError as exc:
                if _is_gone(exc):
                    continue
                raise
            state, memory, vcpus = info[0], info[2] or info[1], info[3]
        snapshots.append(
            DomainSnapshot(
                uuid=dom.UUIDString(),
                host=host,
                name=dom.name(),
                state=DomainState.of(int(state)),
                vcpus=int(vcpus),
                memory_kib=int(memory),
            )
        )
    snapshots.sort(key=lambda d: d.name)
    return tuple(snapshots)
