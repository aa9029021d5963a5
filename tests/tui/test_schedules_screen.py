"""The Schedules screen under Pilot with a fake client: every family's schedules, pause, resume,
run now."""

from tests.tui.canned import FakeClient
from tests.tui.pilot import acted, cells, refreshed, table_keys
from tests.tui.test_screens import run_app, text_of
from tui.screens.confirm import ConfirmScreen
from tui.screens.schedules import SchedulesScreen


def steered(client) -> list[tuple]:
    return [call for call in client.calls if call[0] in ('pause_cron_job', 'resume_cron_job')]


def test_key_6_lists_every_familys_schedules_as_the_coordinator_orders_them():
    async def scenario(pilot, app):
        await pilot.press('6')
        await refreshed(pilot)
        assert isinstance(app.screen, SchedulesScreen)
        assert table_keys(app) == ['c' * 32, 'd' * 32, 'e' * 24, 'f' * 32]
        assert cells(app, 'c' * 32) == ['poll the archive', 'ndscheduler',
                                        'archive.Poll ndscheduler', 'minute=*/5', 'in 4m 54s',
                                        '5s ago', 'running', '212', 'cccccccc']
        assert cells(app, 'd' * 32)[3:7] == ['hour=2 minute=0 (Europe/Oslo)', 'in 7h 39m',
                                             '16h 20m ago', 'error']
        assert cells(app, 'e' * 24)[:5] == ['-', 'ironworker', 'hello ironworker',
                                            'every 3600 s', 'finished']
        assert cells(app, 'f' * 32)[4:7] == ['paused', '-', '-']
        assert text_of(app, '#summary') == (
            '4 schedules, 1 finished, 1 paused   ·   the next to fire first   ·   '
            'P: pause/resume   ·   R: run now')

    run_app(scenario)


def test_pause_asks_first_and_pauses_the_selected_cron_job_and_the_same_key_resumes_it():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('6')
        await refreshed(pilot)
        await pilot.press('P')
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith('Pause schedule poll the archive (ndscheduler)?')
        assert app.focused.id == 'back'
        await pilot.press('enter')
        assert steered(client) == []
        await pilot.press('P')
        await pilot.click('#pause')
        await acted(pilot)
        assert steered(client) == [('pause_cron_job', 'c' * 32)]
        await refreshed(pilot)
        assert cells(app, 'c' * 32)[4] == 'paused'
        await pilot.press('P')
        assert app.screen.question.startswith('Resume schedule poll the archive')
        await pilot.click('#resume')
        await acted(pilot)
        assert steered(client)[-1] == ('resume_cron_job', 'c' * 32)

    run_app(scenario, client)


def test_run_now_asks_first_then_queues_one_execution_of_the_selected_cron_job():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('6')
        await refreshed(pilot)
        await pilot.press('R')
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith('Run schedule poll the archive (ndscheduler) now?')
        await pilot.press('enter')  # Back has the focus: nothing runs
        assert [call for call in client.calls if call[0] == 'run_cron_job'] == []
        await pilot.press('R')
        await pilot.click('#run')
        await acted(pilot)
        assert [call for call in client.calls if call[0] == 'run_cron_job'] == [
            ('run_cron_job', 'c' * 32)]
        assert [n.message for n in app._notifications][-1] == (
            'schedule poll the archive (ndscheduler): execution 00000000 queued')

    run_app(scenario, client)


def test_an_ironworker_schedule_is_not_steered_here():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('6')
        await refreshed(pilot)
        await pilot.press('down', 'down', 'P')
        assert isinstance(app.screen, SchedulesScreen) and steered(client) == []
        assert [n.message for n in app._notifications] == [
            f'schedule {"e" * 8} (ironworker) is steered through its own API']

    run_app(scenario, client)
