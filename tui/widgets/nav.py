"""NavBar: the top line naming the app and its screens, the current one highlighted, clickable."""

from textual.widgets import Static

SCREENS = (('1', 'overview', 'Overview'), ('2', 'runs', 'Runs'), ('3', 'queues', 'Queues'),
           ('4', 'workers', 'Workers'), ('5', 'job-types', 'Job types'),
           ('6', 'schedules', 'Schedules'), ('7', 'allocations', 'Allocations'))


class NavBar(Static):
    """Replaces the Header: the same line also tells where you are and how to go elsewhere."""

    def show(self, current_mode: str, where: str) -> None:
        parts = ['[b]farm-tui[/b] ']
        for key, mode, label in SCREENS:
            style = 'reverse b' if mode == current_mode else ''
            item = f' {key} {label} '
            parts.append(f"[@click=app.show('{mode}')]"
                         + (f'[{style}]{item}[/]' if style else item) + '[/]')
        if where:
            parts.append(f'  [dim]›[/dim] {where}')
        self.update(''.join(parts))
