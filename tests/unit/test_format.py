import pytest

from tuivirt.backend.models import DomainState
from tuivirt.format import format_kib


@pytest.mark.parametrize(
    ("kib", "text"),
    [(0, "0 MiB"), (524288, "512 MiB"), (1048576, "1.0 GiB"), (1572864, "1.5 GiB"), (2**31, "2.0 TiB")],
)
def test_format_kib(kib: int, text: str) -> None:
    assert format_kib(kib) == text


def test_domain_state_labels_follow_virsh() -> None:
    assert DomainState.of(1).label == "running"
    assert DomainState.of(5).label == "shut off"
    assert DomainState.of(3).label == "paused"


def test_unknown_state_code_is_no_state() -> None:
    assert DomainState.of(99) is DomainState.NOSTATE
