"""The queue over /farm/v1: queued work of every family by job type and priority, per project."""

import datetime
import time

from coordinator.store import job_types, queue, users
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from tests.conftest import PASSWORD, basic
from tests.coordinator.api.farm.conftest import get, make_run, refused_changing_nothing, work


def seconds_ago(instant: str) -> float:
    assert instant.endswith('Z')
    return time.time() - datetime.datetime.fromisoformat(instant).timestamp()


def test_queued_work_is_grouped_by_type_and_priority_highest_first(client, alice_auth,
                                                                   alice_principal, agent):
    for name in ('render', 'archive'):
        job_types.define(alice_principal, name, '1.0.0', Definition(command=[name]))
    job_types.set_paused(alice_principal, 'archive', '1.0.0', True)
    queue.queue_tasks(alice_principal, 'render', '1.0.0',
                      [Order(priority=5), Order(priority=5, delay_s=600), Order(priority=2)],
                      now=time.time() - 60)
    queue.queue_tasks(alice_principal, 'archive', '1.0.0', [Order(priority=5)])
    run = make_run(client, alice_auth, num_tasks=4)
    work(client, alice_auth, run['uuid'], ['failed', None])  # a retry, and one running
    reply = get(client, alice_auth, '/farm/v1/queue')
    rows = [(g['job_type']['name'], g['priority'], g['queued'], g['available_now'])
            for g in reply['queue']]
    assert rows == [('archive', 5, 1, 1), ('render', 5, 2, 1), ('render', 2, 1, 1),
                    ('taskfarm-run', 0, 3, 3)]  # 2 never handed out, 1 failed once
    archive, render = reply['queue'][:2]
    assert archive['job_type'] == {'id': archive['job_type']['id'], 'name': 'archive',
                                   'version': '1.0.0', 'is_paused': True, 'is_active': True}
    assert 55 < seconds_ago(render['oldest_queued_at']) < 120
    assert reply['total'] == {'queued': 7, 'available_now': 6}
    assert abs(seconds_ago(reply['now'])) < 60


def test_an_empty_queue_and_another_projects_see_nothing_of_yours(client, alice_auth,
                                                                  alice_principal):
    assert get(client, alice_auth, '/farm/v1/queue')['queue'] == []
    job_types.define(alice_principal, 'render', '1.0.0', Definition(command=['render']))
    queue.queue_tasks(alice_principal, 'render', '1.0.0', [Order()])
    make_run(client, alice_auth, num_tasks=3)
    users.add_user('bob', PASSWORD, project='other')
    bob = get(client, basic('bob', PASSWORD), '/farm/v1/queue')
    assert bob['queue'] == [] and bob['total'] == {'queued': 0, 'available_now': 0}
    assert len(get(client, alice_auth, '/farm/v1/queue')['queue']) == 2


def test_a_cancelled_run_has_nothing_queued(client, alice_auth):
    run = make_run(client, alice_auth, num_tasks=3)
    client.simulate_post(f"/farm/v1/runs/{run['uuid']}/cancel", headers=alice_auth)
    assert get(client, alice_auth, '/farm/v1/queue')['queue'] == []


def test_the_queue_needs_credentials(client, alice_auth):
    refused_changing_nothing(client, alice_auth, 'GET', '/farm/v1/queue', None, 'nobody', 401)
