"""SVG snapshots of every screen at 120x40 over canned data with fixed times.

Update after an intended change of look: `pytest tests/tui/test_snapshots.py --snapshot-update`,
then look at the SVGs before committing them.
"""

import pytest

from farmworker.client import Unreachable
from tests.tui.canned import FakeClient
from tests.tui.pilot import SteppedApp, refreshed

SIZE = (120, 40)


def keys_then_refresh(*keys):
    async def run_before(pilot):
        await refreshed(pilot)
        for key in keys:
            await pilot.press(key)
            await refreshed(pilot)

    return run_before


@pytest.mark.parametrize('keys', [
    (), ('2',), ('3',), ('4',), ('2', 'enter'), ('2', 'enter', 'down', 'enter'), ('2', 'R'),
    ('5',), ('5', 'down', 'down', 'P'), ('6',), ('7',),
], ids=['overview', 'runs', 'queues', 'workers', 'run', 'task', 'confirm-restart', 'job-types',
        'confirm-pause', 'schedules', 'allocations'])
def test_screen(snap_compare, keys):
    app = SteppedApp(FakeClient(), interval_s=60)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_refresh(*keys))


def test_runs_in_the_light_theme(snap_compare):
    app = SteppedApp(FakeClient(), interval_s=60, theme='textual-light')
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_refresh('2'))


def test_overview_at_80x24(snap_compare):
    app = SteppedApp(FakeClient(), interval_s=60)
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys_then_refresh())


class DownClient(FakeClient):
    def overview(self):
        raise Unreachable(f'cannot reach the coordinator at {self.url}: connection refused')


def test_coordinator_unreachable(snap_compare):
    app = SteppedApp(DownClient(), interval_s=60)
    assert snap_compare(app, terminal_size=SIZE, run_before=keys_then_refresh())
