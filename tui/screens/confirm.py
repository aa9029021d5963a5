"""ConfirmScreen: a modal asking before a destructive action; it dismisses with the chosen id."""

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label


class ConfirmScreen(ModalScreen[str | None]):
    """`choices` are (id, label, variant) buttons; Escape or "Back" dismisses with None."""

    BINDINGS = [Binding('escape', 'back', 'Back')]

    def __init__(self, question: str, choices: list[tuple[str, str, str]]):
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id='confirm'):
            yield Label(self.question, id='question')
            with Horizontal(id='choices'):
                for choice_id, label, variant in self.choices:
                    yield Button(label, id=choice_id, variant=variant)
                yield Button('Back', id='back')

    def on_mount(self) -> None:
        # focus "Back": a stray Enter must not delete anything
        self.query_one('#back', Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == 'back' else event.button.id)

    def action_back(self) -> None:
        self.dismiss(None)
