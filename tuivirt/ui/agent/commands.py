"""`i`: the guest agent's menu for the running guest under the cursor."""

from __future__ import annotations

from tuivirt.backend.fleet.targets import GuestTarget
from tuivirt.backend.ops.agent.actions import agent_shutdown
from tuivirt.ui.agent.menu import AgentMenu
from tuivirt.ui.shared.commands import Command, Feature, GuestView


def open_menu(view: GuestView, targets: list[GuestTarget]) -> None:
    domain = view.domain(targets[0].key)
    view.helper(AgentMenu).open(targets[0], domain is not None and domain.state.is_active)


def shutdown_via_agent(view: GuestView, target: GuestTarget) -> None:
    """The force-off prompt's other way out (see lifecycle)."""
    view.helper(AgentMenu).run(target, agent_shutdown, "Shut down through the agent")


FEATURE = Feature(
    commands=(Command("guest.agent", "i", "Guest agent", open_menu, refusal="The guest agent"),),
    helpers=(lambda view: AgentMenu(view.fleet),),
)
