"""What tuivirt asks of a guest's agent (each call capped at AGENT_TIMEOUT seconds): shut down or
reboot from inside (for a guest that ignores ACPI), set a user's password, freeze and thaw the
file systems, and set the guest's clock from the host's (after a resume or a restore)."""

from __future__ import annotations

import libvirt

from tuivirt.backend.live.guest_agent import describe_agent_error, limit_agent_wait


class AgentError(Exception):
    """The agent refused or was not there, said plainly."""


def _agent(conn: libvirt.virConnect, uuid: str) -> libvirt.virDomain:
    dom = conn.lookupByUUIDString(uuid)
    try:
        limit_agent_wait(dom)
    except libvirt.libvirtError as exc:
        raise AgentError(describe_agent_error(exc)) from exc
    return dom


def _call(what: str, call: object) -> None:
    """Run ``call()``; an agent's refusal becomes one line (no channel, not connected, no answer)."""
    try:
        call()  # type: ignore[operator]
    except libvirt.libvirtError as exc:
        raise AgentError(f"{what}: {describe_agent_error(exc)}") from exc


def agent_shutdown(conn: libvirt.virConnect, uuid: str) -> str:
    dom = _agent(conn, uuid)
    _call("shut down through the agent", lambda: dom.shutdownFlags(libvirt.VIR_DOMAIN_SHUTDOWN_GUEST_AGENT))
    return f"{dom.name()}: asked its agent to shut down"


def agent_reboot(conn: libvirt.virConnect, uuid: str) -> str:
    dom = _agent(conn, uuid)
    _call("reboot through the agent", lambda: dom.reboot(libvirt.VIR_DOMAIN_REBOOT_GUEST_AGENT))
    return f"{dom.name()}: asked its agent to reboot"


def set_password(conn: libvirt.virConnect, uuid: str, user: str, password: str) -> str:
    dom = _agent(conn, uuid)
    _call(f"set the password of {user}", lambda: dom.setUserPassword(user, password, 0))
    return f"{dom.name()}: password of {user} set"


def check_password_form(user: str, password: str, again: str) -> dict[str, str]:
    errors = {}
    if not user or any(c.isspace() or c == ":" for c in user):
        errors["user"] = "a user name (no spaces or :)"
    if not password:
        errors["password"] = "a password"
    elif again != password:
        errors["again"] = "not the same as above"
    return errors


def freeze(conn: libvirt.virConnect, uuid: str) -> str:
    dom = _agent(conn, uuid)
    count: list[int] = []
    _call("freeze the file systems", lambda: count.append(dom.fsFreeze(None, 0)))
    return f"{dom.name()}: {count[0] if count else '?'} file system(s) frozen: thaw them soon (writes wait)"


def thaw(conn: libvirt.virConnect, uuid: str) -> str:
    dom = _agent(conn, uuid)
    count: list[int] = []
    _call("thaw the file systems", lambda: count.append(dom.fsThaw(None, 0)))
    return f"{dom.name()}: {count[0] if count else '?'} file system(s) thawed"


def sync_clock(conn: libvirt.virConnect, uuid: str) -> str:
    """The guest's clock from the host's RTC (virsh domtime --sync): after a resume or a restore
    the guest's clock is behind by as long as it was paused."""
    dom = _agent(conn, uuid)
    _call("set the guest's clock", lambda: dom.setTime(flags=libvirt.VIR_DOMAIN_TIME_SYNC))
    return f"{dom.name()}: clock set from the host's"
