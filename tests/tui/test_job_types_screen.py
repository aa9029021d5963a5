"""The Job types screen under Pilot with a fake client: versions and states, pause and resume."""

from tests.tui.canned import FakeClient
from tests.tui.pilot import acted, cells, refreshed, table_keys
from tests.tui.test_screens import run_app, text_of
from tui.screens.confirm import ConfirmScreen
from tui.screens.job_types import JobTypesScreen


def edits(client) -> list[tuple]:
    return [call[1:] for call in client.calls if call[0] == 'edit_job_type']


def test_key_5_lists_active_versions_by_name_and_f_shows_inactive_ones_too():
    async def scenario(pilot, app):
        await pilot.press('5')
        await refreshed(pilot)
        assert isinstance(app.screen, JobTypesScreen)
        assert table_keys(app) == ['4', '1', '3']  # mosaic, taskfarm-run, tiler 1.2.0
        assert cells(app, '1') == ['taskfarm-run', '1.0.0', 'active', '24', '1,430', '1,192',
                                   '20', 'SYSTEM 6, ALGORITHM 14', '7m 25s ago: node-lost']
        assert cells(app, '4')[2:8] == ['paused', '0', '120', '30', '2', 'DATA 2']
        assert cells(app, '3')[6:] == ['0', '-', '1d 08h ago: algorithm-unknown']
        assert text_of(app, '#summary') == (
            '3 active job types (3 names), 1 paused   ·   done and failed in the last 3 hours '
            '(w: 3h/24h/1h)   ·   f: active/all')
        await pilot.press('f')
        await refreshed(pilot)
        assert table_keys(app) == ['4', '1', '2', '3']
        assert cells(app, '2')[2] == 'inactive'
        assert text_of(app, '#summary').startswith('4 job types (3 names), 1 paused')

    run_app(scenario)


def test_pause_asks_first_back_does_nothing_and_pause_pauses_the_selected_version():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('5')
        await refreshed(pilot)
        await pilot.press('down', 'down', 'P')  # tiler 1.2.0
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith('Pause job type tiler 1.2.0?')
        assert app.focused.id == 'back'  # a stray Enter does no harm
        await pilot.press('enter')
        assert isinstance(app.screen, JobTypesScreen) and edits(client) == []
        await pilot.press('P')
        await pilot.click('#pause')
        await acted(pilot)
        assert edits(client) == [('tiler', '1.2.0', {'is_paused': True})]
        assert [n.message for n in app._notifications] == ['job type tiler 1.2.0 paused']
        await refreshed(pilot)
        assert cells(app, '3')[2] == 'paused'

    run_app(scenario, client)


def test_on_a_paused_version_the_same_key_offers_to_resume_it():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('5')
        await refreshed(pilot)
        await pilot.press('P')  # mosaic, paused
        assert app.screen.question.startswith('Resume job type mosaic 0.3.0?')
        await pilot.click('#resume')
        await acted(pilot)
        assert edits(client) == [('mosaic', '0.3.0', {'is_paused': False})]
        await refreshed(pilot)
        assert cells(app, '4')[2] == 'active'

    run_app(scenario, client)


def test_w_cycles_the_window_of_completed_and_failed_tasks():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('5')
        await refreshed(pilot)
        for hours in (24, 1, 3):
            await pilot.press('w')
            await refreshed(pilot)
            assert client.calls[-1] == ('job_type_status', True, hours)
        assert 'done and failed in the last 3 hours' in text_of(app, '#summary')

    run_app(scenario, client)
