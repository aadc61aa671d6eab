"""The exact XML a create would send: the domain, and the new volume when there is one."""

from __future__ import annotations

from rich.syntax import Syntax
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from tuivirt.ui.shared.keymap import Keymapped
from tuivirt.ui.shared.plain import Plain, PlainLabel


class PreviewScreen(Keymapped, ModalScreen[None]):
    BINDINGS = [Binding("escape,q", "close", "Back to the form", id="preview.close")]

    def __init__(self, domain_xml: str, volume_xml: str) -> None:
        super().__init__()
        self.domain_xml = domain_xml
        self.volume_xml = volume_xml

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="preview"):
            yield PlainLabel("Preview: what Create sends (Esc: back to the form)", classes="dialog-title")
            with VerticalScroll(id="preview-xml"):
                if self.volume_xml:
                    yield PlainLabel("Volume (storage pool createXML)")
                    yield Plain(
                        Syntax(self.volume_xml, "xml", theme="ansi_dark", word_wrap=True), id="volume-xml"
                    )
                yield PlainLabel("Domain (defineXML)")
                yield Plain(
                    Syntax(self.domain_xml, "xml", theme="ansi_dark", word_wrap=True), id="domain-xml"
                )

    def action_close(self) -> None:
        self.dismiss(None)
