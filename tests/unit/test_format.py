import pytest
from hypothesis import given
from hypothesis import strategies as st

from tuivirt.backend.live.models import DomainState
from tuivirt.format import format_kib, printable


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


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("web-01", "web-01"),
        ("with space", "with space"),
        ("tab\there", "tab\\there"),
        ("cr\rover", "cr\\rover"),
        ("rlo\u202eevil", "rlo\\u202eevil"),
        ("esc\x1b[2J", "esc\\x1b[2J"),
        ("école 漢字", "école 漢字"),
    ],
)
def test_printable_escapes_what_would_move_the_terminal(name: str, shown: str) -> None:
    assert printable(name) == shown


@given(st.text())
def test_printable_output_draws_as_one_line(text: str) -> None:
    shown = printable(text)
    assert all(ch.isprintable() or ch == " " for ch in shown)
