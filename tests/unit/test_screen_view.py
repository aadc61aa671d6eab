"""`V`'s pure parts: text to Linux key presses, the tunnel command, an image in half blocks."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from tuivirt.backend.ops.glimpse.screenshot import SHIFT, Display, combo_keys, keys_for
from tuivirt.ui.glimpse.half_blocks import decode, strips


def test_text_becomes_key_presses() -> None:
    assert keys_for("ls -l\n") == [[38], [31], [57], [12], [38], [28]]
    assert keys_for("A!") == [[SHIFT, 30], [SHIFT, 2]]
    with pytest.raises(ValueError, match="'é' cannot be typed"):
        keys_for("café")


def test_a_key_combination_becomes_keys_held_together() -> None:
    assert combo_keys("ctrl+alt+del") == [29, 56, 111]
    assert combo_keys(" Ctrl+Alt+F3 ") == [29, 56, 61]
    assert combo_keys("alt+sysrq+b") == [56, 99, 48]
    assert combo_keys("esc") == [1] and combo_keys("shift+tab") == [42, 15] and combo_keys("f12") == [88]
    with pytest.raises(ValueError, match="'hyper' is not a key"):
        combo_keys("ctrl+hyper")
    with pytest.raises(ValueError, match=r"'\(nothing\)' is not a key"):
        combo_keys("ctrl+")


def test_the_tunnel_names_the_host_or_this_machine() -> None:
    display = Display("vnc", "127.0.0.1", 5901)
    assert display.tunnel("qemu+ssh://root@rack2/system") == (
        "ssh -N -L 5901:127.0.0.1:5901 root@rack2   then vncviewer localhost:5901"
    )
    spice = Display("spice", "0.0.0.0", 5902).tunnel("qemu+tls://kvm1/system")
    assert spice == "ssh -N -L 5902:127.0.0.1:5902 kvm1   then remote-viewer spice://localhost:5902"
    assert display.tunnel("qemu:///system") == "vnc on this machine: 127.0.0.1:5901"


def test_an_image_in_half_blocks_keeps_its_colours_and_aspect() -> None:
    image = Image.new("RGB", (4, 4), (255, 0, 0))
    for x in range(4):
        for y in range(2, 4):
            image.putpixel((x, y), (0, 0, 255))  # lower half blue
    data = io.BytesIO()
    image.save(data, "PNG")
    lines = strips(decode(data.getvalue()), columns=4, rows=10)
    assert len(lines) == 2 and lines[0].cell_length == 4  # 4x4 pixels: 4 columns, 2 rows
    top, bottom = lines[0]._segments[0].style, lines[1]._segments[0].style
    assert top is not None and top.color is not None and top.color.triplet == (255, 0, 0)
    assert bottom is not None and bottom.bgcolor is not None and bottom.bgcolor.triplet == (0, 0, 255)
    assert len(strips(image, columns=40, rows=40, grow=False)) == 2  # not made larger (actual size)
    assert len(strips(image, columns=40, rows=40)) == 20  # made larger to fit
    with pytest.raises(ValueError, match="not an image"):
        decode(b"nothing")
