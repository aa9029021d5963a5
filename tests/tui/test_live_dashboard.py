"""The dashboard under Pilot against a live coordinator with real data and a real farmworker agent.

One scenario per backend (a coordinator start costs seconds): every screen, a drill-down into a
run and a task, and each action through its confirmation, checked after the next refresh.
"""

import asyncio

import pytest
from textual.widgets import Static

from farmworker.client import NEVER
from farmworker.farm_api import FarmApi
from tests.e2e.test_farmworker import Farm
from tests.tui.pilot import SteppedApp, acted, cells, lines, refreshed, table_keys
from tui.screens.job_types import JobTypesScreen
from tui.screens.run import RunScreen
from tui.screens.runs import RunsScreen
from tui.screens.task import TaskScreen
from tui.screens.workers import WorkersScreen

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def farm(serve, tmp_path):
    farm = Farm(serve(workers=2), tmp_path)
    # run "worked": 6 tasks done by a real agent; task 3 fails for good (one try)
    farm.worked = farm.create_run(6, name='worked', max_tries=1)
    agent = farm.agent(farm.worked, 'echo working on {task}; test {task} != 3', '--slots', '2')
    output, _ = agent.communicate(timeout=60)
    assert agent.returncode == 0, output
    # run "queued": nobody works it
    farm.queued = farm.create_run(4, name='queued')
    # a job type defined as any Scale client does
    status, _ = farm.call('POST', '/v6/job-types/', {'docker_image': 'tiler:1.2.0', 'manifest': {
        'seedVersion': '1.0.0', 'job': {
            'name': 'tiler', 'jobVersion': '1.2.0', 'packageVersion': '1.0.0', 'title': 'Tiler',
            'description': 'Cuts tiles', 'maintainer': {'name': 'Jo', 'email': 'jo@example.com'},
            'timeout': 60, 'interface': {'command': 'tile.sh'}}}})
    assert status == 201
    return farm


def text_of(app, selector) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def confirm(pilot, key: str, button: str) -> None:
    """Press `key`, choose `button` in the modal it opens, then see the next refresh."""
    await pilot.press(key)
    await pilot.click(f'#{button}')
    await acted(pilot)
    await refreshed(pilot)


def test_every_screen_drill_down_and_action_against_a_live_coordinator(farm):
    asyncio.run(_scenario(farm))


async def _scenario(farm):
    app = SteppedApp(FarmApi(farm.coordinator.url, farm.token, retry=NEVER), interval_s=0.3)
    async with app.run_test(size=(120, 40)) as pilot:
        await refreshed(pilot)
        assert text_of(app, '#status').startswith(f' ● ok  {farm.coordinator.url}  · data of ')
        assert lines(text_of(app, '#tasks')) == {  # 6 + 4 tasks
            'waiting': '4', 'running': '0', 'done': '5', 'failed': '1', 'cancelled': '0',
            'total': '10'}

        status, _ = farm.call('POST', '/v6/job-types/tiler/1.2.0/jobs/',
                              {'input': {}, 'priority': 5})
        assert status == 201
        await pilot.press('3')  # queues: the tiler job, then the runs' tasks at priority 0
        await refreshed(pilot)
        groups = table_keys(app, '#queue-table')
        assert [cells(app, key, '#queue-table')[:6] for key in groups] == [
            ['5', 'tiler', '1.2.0', 'active', '1', '1'],
            ['0', 'taskfarm-run', '1.0.0', 'active', '4', '4']]
        assert table_keys(app) == [farm.queued]  # only the run nobody works has waiting tasks

        await pilot.press('4')
        await refreshed(pilot)
        assert isinstance(app.screen, WorkersScreen) and len(table_keys(app)) == 1
        assert cells(app, table_keys(app)[0])[2] == 'stopped'  # the agent left when done

        await pilot.press('5')  # job types: the runs' built-in type and tiler; pause tiler
        await refreshed(pilot)
        assert isinstance(app.screen, JobTypesScreen)
        runs_type, tiler = table_keys(app)
        # the runs' tasks: 4 queued (run "queued"), 5 done and 1 failed (run "worked")
        assert cells(app, runs_type)[:8] == ['taskfarm-run', '1.0.0', 'active', '0', '4', '5',
                                             '1', 'ALGORITHM 1']
        assert cells(app, runs_type)[8].endswith(' ago: algorithm-unknown')
        assert cells(app, tiler)[:8] == ['tiler', '1.2.0', 'active', '0', '1', '0', '0', '-']
        app.screen.query_one('LiveTable').move_cursor(row=1)
        await confirm(pilot, 'P', 'pause')
        assert cells(app, tiler)[2] == 'paused'
        assert farm.call('GET', '/v6/job-types/tiler/1.2.0/')[1]['is_paused'] is True

        await pilot.press('2', 'f')  # runs, "all" (the worked run is finished)
        await refreshed(pilot)
        assert set(table_keys(app)) == {farm.worked, farm.queued}
        row = cells(app, farm.worked)
        assert (row[6], row[7]) == ('5', '1'), row  # done, failed

        app.screen.query_one('LiveTable').move_cursor(row=table_keys(app).index(farm.worked))
        await pilot.press('enter')
        await refreshed(pilot)
        assert isinstance(app.screen, RunScreen) and len(table_keys(app)) == 6
        await pilot.press('f', 'f', 'f', 'f')  # -> failed
        await refreshed(pilot)
        assert table_keys(app) == ['3']
        await pilot.press('enter')
        await refreshed(pilot)
        assert isinstance(app.screen, TaskScreen)
        assert 'exit code  1' in text_of(app, '#task-fields').splitlines()
        assert text_of(app, '#log-text') == 'working on 3\n'
        await pilot.press('escape')

        # restart, failed only: task 3 waits again; then all: every task waits again
        await confirm(pilot, 'R', 'failed')
        assert (app.screen.run['waiting'], app.screen.run['failed']) == (1, 0)
        await confirm(pilot, 'R', 'all')
        assert app.screen.run['waiting'] == 6
        # cancel the whole run
        await confirm(pilot, 'x', 'cancel')
        assert app.screen.run['state'] == 'cancelled'
        await pilot.press('escape')
        await refreshed(pilot)

        # cancel task 0 of the queued run
        app.screen.query_one('LiveTable').move_cursor(row=table_keys(app).index(farm.queued))
        await pilot.press('enter')
        await refreshed(pilot)
        await confirm(pilot, 'c', 'cancel')
        assert cells(app, '0')[1] == 'cancelled'

        # delete the queued run from its own screen: back on Runs, where it is gone
        await confirm(pilot, 'D', 'delete')
        assert isinstance(app.screen, RunsScreen) and table_keys(app) == [farm.worked]
        assert farm.call('GET', f'/farm/v1/runs/{farm.queued}')[0] == 404
