"""The Queues screen under Pilot with a fake client: work by job type and priority, then runs."""

from tests.tui.canned import UUIDS, FakeClient
from tests.tui.pilot import acted, cells, refreshed, table_keys
from tests.tui.test_screens import run_app, text_of
from tui.screens.confirm import ConfirmScreen
from tui.screens.queues import QueuesScreen
from tui.screens.run import RunScreen

GROUPS = '#queue-table'


def test_queued_work_is_listed_by_type_and_priority_above_the_runs_with_waiting_tasks():
    async def scenario(pilot, app):
        await pilot.press('3')
        await refreshed(pilot)
        assert table_keys(app, GROUPS) == ['3@50', '3@10', '4@10', '1@0']
        assert cells(app, '3@10', GROUPS) == ['10', 'tiler', '1.2.0', 'active', '8', '2',
                                              '40m 05s']
        assert cells(app, '4@10', GROUPS)[3] == 'paused'
        assert cells(app, '1@0', GROUPS)[4:] == ['1,430', '1,430', '2h 10m']
        assert text_of(app, '#queue-summary').startswith(
            '1,598 tasks queued, 1,592 ready, by job type and priority, in the order agents '
            'get them')
        assert table_keys(app) == [UUIDS[1], UUIDS[0], UUIDS[3]]  # the runs, oldest first

    run_app(scenario)


def test_p_pauses_the_type_of_the_group_under_the_cursor_after_asking():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('3')
        await refreshed(pilot)
        await pilot.press('down', 'P')  # tiler 1.2.0 at priority 10
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith('Pause job type tiler 1.2.0?')
        await pilot.click('#pause')
        await acted(pilot)
        await refreshed(pilot)
        assert [call for call in client.calls if call[0] == 'edit_job_type'] == [
            ('edit_job_type', 'tiler', '1.2.0', {'is_paused': True})]
        assert isinstance(app.screen, QueuesScreen)
        assert [cells(app, key, GROUPS)[3] for key in ('3@50', '3@10')] == ['paused', 'paused']

    run_app(scenario, client)


def test_tab_then_enter_opens_the_run_under_the_cursor():
    async def scenario(pilot, app):
        await pilot.press('3')
        await refreshed(pilot)
        await pilot.press('enter')  # on a group: nothing to open
        assert isinstance(app.screen, QueuesScreen)
        await pilot.press('tab', 'enter')
        await refreshed(pilot)
        assert isinstance(app.screen, RunScreen) and app.screen.run['uuid'] == UUIDS[1]

    run_app(scenario)
