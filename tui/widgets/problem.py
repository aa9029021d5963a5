"""ProblemPanel: what went wrong talking to the coordinator and what to do about it, in words."""

from textual.widgets import Static

from tui.state import Connection

_ADVICE = {
    'unreachable': 'Is `farm-coordinator serve` running there? Point farm-tui at it with --url, '
                   'FARM_URL or `farm login URL`.',
    'unavailable': 'The coordinator runs but cannot use its database (stopped, restarting or out '
                   'of reach); it serves again by itself once the database is back.',
    'bad-token': 'Run `farm login URL` for a new token, or create one with `farm-coordinator '
                 'token create USER` and pass it with --token or FARM_TOKEN.',
    'error': 'The coordinator log may say more.',
}


class ProblemPanel(Static):
    """Hidden while requests succeed; the data shown below it is the last that arrived."""

    def show(self, connection: Connection) -> None:
        self.display = connection.kind in _ADVICE
        if self.display:
            self.update(f'{connection.message}\n{_ADVICE[connection.kind]} '
                        'Retrying; the data below (if any) is the last that arrived.')
