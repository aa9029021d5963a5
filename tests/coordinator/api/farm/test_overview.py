"""The overview over /farm/v1: totals of runs, tasks and workers, and recent throughput."""

from tests.coordinator.api.farm.conftest import get, make_run, refused_changing_nothing, work


def test_the_overview_sums_runs_workers_and_recent_throughput(client, alice_auth, agent):
    first = make_run(client, alice_auth, num_tasks=4, name='first')
    make_run(client, alice_auth, num_tasks=2)
    work(client, alice_auth, first['uuid'], ['complete', 'complete', None])
    view = get(client, alice_auth, '/farm/v1/overview')
    assert view['tasks'] == {'waiting': 3, 'running': 1, 'done': 2, 'failed': 0, 'cancelled': 0}
    assert view['runs'] == {'active': 2, 'finished': 0, 'total': 2}
    assert view['workers']['busy'] == 1
    assert len(view['done_per_minute']) == 30 and view['done_per_minute'][-1] == 2
    assert view['rate_per_s'] > 0 and view['failed_last_hour'] == 0
    assert view['oldest_waiting']['run'] == first['uuid']


def test_the_overview_needs_credentials(client, alice_auth):
    refused_changing_nothing(client, alice_auth, 'GET', '/farm/v1/overview', None, 'nobody', 401)
