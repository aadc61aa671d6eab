"""Evacuating a host: each running guest placed on another host by free memory, the largest guests
first, each host's free memory lowered by what is placed on it."""

from __future__ import annotations

from dataclasses import dataclass

import libvirt

from tuivirt.backend.ops.migrate.checks import GuestNeeds, HostOffer, read_needs, refusal
from tuivirt.backend.ops.migrate.options import MigrationOptions

AT_ONCE = 2  # migrations side by side: each takes the link's bandwidth and the source's CPU


@dataclass(frozen=True)
class Placement:
    guest: GuestNeeds
    target_uri: str  # "" when no host will take it
    why_not: str  # each host's refusal, when none will


def running_guests(conn: libvirt.virConnect, host_uri: str) -> list[GuestNeeds]:
    domains = conn.listAllDomains(libvirt.VIR_CONNECT_LIST_DOMAINS_ACTIVE)
    return [read_needs(conn, d.UUIDString(), host_uri) for d in domains]


def plan_evacuation(
    guests: list[GuestNeeds], offers: list[HostOffer], options: MigrationOptions, names: dict[str, str]
) -> list[Placement]:
    """Where each guest goes. ``names``: host URI -> the name shown, for the reasons."""
    free = {offer.uri: offer.free_memory_kib for offer in offers}
    plan = []
    for guest in sorted(guests, key=lambda g: (-g.memory_kib, g.name)):
        reasons = {o.uri: refusal(guest, o, options, free[o.uri]) for o in offers}
        fitting = [o.uri for o in offers if not reasons[o.uri]]
        if not fitting:
            why = "; ".join(f"{names.get(uri, uri)}: {reason}" for uri, reason in reasons.items())
            plan.append(Placement(guest, "", why or "no other host is connected"))
            continue
        chosen = max(fitting, key=lambda uri: free[uri])
        free[chosen] -= guest.memory_kib
        plan.append(Placement(guest, chosen, ""))
    return plan
