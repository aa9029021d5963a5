"""StatusBar: one line saying whether the coordinator answers, as of which server time."""

from rich.text import Text
from textual.widgets import Static

from tui import format as fmt
from tui.state import Connection

_MARKS = {'ok': ('●', 'status-ok'), 'connecting': ('…', 'status-wait'),
          'unreachable': ('✖', 'status-bad'), 'unavailable': ('✖', 'status-bad'),
          'bad-token': ('✖', 'status-bad'),
          'error': ('!', 'status-bad')}


class StatusBar(Static):
    """Shows the connection kind, the URL, the server time of the last good reply, the interval."""

    def show(self, connection: Connection, url: str, interval_s: float) -> None:
        mark, css_class = _MARKS[connection.kind]
        for name in {cls for _, cls in _MARKS.values()}:
            self.set_class(name == css_class, name)
        line = Text(f' {mark} {connection.kind} ', style='bold')
        line.append(f' {url} ')
        if connection.server_now:
            line.append(f' · data of {fmt.clock(connection.server_now)[11:]}')
        if connection.ok:
            line.append(f' · every {interval_s:g}s')
        else:
            line.append(' · retrying')
        line.append('   t theme · ctrl+p commands', 'dim')
        self.update(line)
