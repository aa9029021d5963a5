"""The Allocations screen under Pilot with a fake client: each queue's jobs, agents and last
decision, and pause / resume."""

from tests.tui.canned import FakeClient
from tests.tui.pilot import acted, cells, refreshed, table_keys
from tests.tui.test_screens import run_app, text_of
from tui.screens.allocations import AllocationsScreen
from tui.screens.confirm import ConfirmScreen


def test_key_7_lists_the_queues_with_their_jobs_agents_and_the_allocators_last_decision():
    async def scenario(pilot, app):
        await pilot.press('7')
        await refreshed(pilot)
        assert isinstance(app.screen, AllocationsScreen)
        assert table_keys(app) == ['cpu', 'gpu']
        assert cells(app, 'cpu')[:8] == ['cpu', 'active', '3', '2', '8', '2',
                                         '1 node × all CPUs, 2h 00m', '10s ago']
        assert cells(app, 'cpu')[8].startswith('40 task(s) wait; live agents have 16 slot(s)')
        assert cells(app, 'gpu')[:7] == ['gpu', 'backing off', '0', '0', '2', '0',
                                         '2 nodes × 4 slots, 1d 00h']
        assert 'Invalid partition name specified' in cells(app, 'gpu')[8]
        assert text_of(app, '#summary').startswith(
            '2 allocation queues, 5 jobs pending or running, 2 agents')

    run_app(scenario)


def test_pause_asks_first_then_pauses_the_queue_and_the_same_key_resumes_it():
    client = FakeClient()

    async def scenario(pilot, app):
        await pilot.press('7')
        await refreshed(pilot)
        await pilot.press('P')
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith('Pause allocation queue cpu?')
        await pilot.click('#pause')
        await acted(pilot)
        assert ('change_allocation', 'cpu', {'paused': True}) in client.calls
        await refreshed(pilot)
        assert cells(app, 'cpu')[1] == 'paused'
        await pilot.press('P')
        assert app.screen.question.startswith('Resume allocation queue cpu?')
        await pilot.click('#resume')
        await acted(pilot)
        assert ('change_allocation', 'cpu', {'paused': False}) in client.calls

    run_app(scenario, client)


def test_the_workers_screen_names_the_allocation_queue_that_started_each_agent():
    async def scenario(pilot, app):
        await pilot.press('4')
        await refreshed(pilot)
        assert cells(app, 'w-0001-node017')[7:9] == ['4411823', 'cpu']
        assert cells(app, 'w-0002-node018')[7:9] == ['4411824', '-']

    run_app(scenario)
