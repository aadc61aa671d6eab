from tuivirt.backend.live.models import DomainState
from tuivirt.backend.ops.lifecycle.actions import SPECS, Action
from tuivirt.ui.shared.pending import PendingActions


def test_shutdown_shows_until_shut_off() -> None:
    pending = PendingActions()
    pending.begin("k", SPECS[Action.SHUTDOWN], now=0, shutdown_timeout=60)
    assert pending.label("k") == "shutting down…"
    pending.returned("k", ok=True)
    pending.observe("k", DomainState.RUNNING)  # the guest has not reacted yet
    assert pending.label("k") == "shutting down…"
    pending.observe("k", DomainState.SHUTOFF)
    assert pending.label("k") is None


def test_state_seen_before_the_call_returned_does_not_clear() -> None:
    pending = PendingActions()
    pending.begin("k", SPECS[Action.START], now=0, shutdown_timeout=60)
    pending.observe("k", DomainState.SHUTOFF)
    assert pending.label("k") == "starting…"


def test_failure_clears_at_once_and_instant_actions_clear_on_return() -> None:
    pending = PendingActions()
    pending.begin("a", SPECS[Action.START], now=0, shutdown_timeout=60)
    pending.returned("a", ok=False)
    assert pending.label("a") is None
    pending.begin("b", SPECS[Action.REBOOT], now=0, shutdown_timeout=60)
    pending.returned("b", ok=True)
    assert pending.label("b") is None


def test_overdue_shutdown_is_reported_once_then_again_after_extend() -> None:
    pending = PendingActions()
    pending.begin("k", SPECS[Action.SHUTDOWN], now=0, shutdown_timeout=30)
    pending.begin("other", SPECS[Action.START], now=0, shutdown_timeout=30)
    assert pending.overdue_shutdowns(29) == []
    assert pending.overdue_shutdowns(30) == ["k"]
    assert pending.overdue_shutdowns(31) == []
    pending.extend("k", now=31, seconds=30)
    assert pending.overdue_shutdowns(61) == ["k"]
