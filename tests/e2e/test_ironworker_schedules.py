"""The unmodified iron-worker 1.3.8 client schedules tasks on a live coordinator: queue with
run_every makes a schedule, tasks(scheduled=True) lists it, cancel stops it; a schedule
that starts now fires for real and a `farmworker serve` agent runs its task."""

import datetime
import time

import pytest
import requests

from tests.e2e.test_ironworker_client import client_of
from tests.e2e.test_ironworker_tasks import HELLO, _serve, _upload
from tests.e2e.test_serve import ServeFarm

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def farm(serve, tmp_path, monkeypatch):
    """(alice's IronWorker client on a live coordinator, the farm its agents serve)."""
    farm = ServeFarm(serve(workers=2), tmp_path)
    return client_of(farm.coordinator, farm.token, tmp_path, monkeypatch), farm


def test_the_client_schedules_lists_reads_and_cancels_a_schedule(farm, tmp_path):
    worker, _ = farm
    _upload(worker, tmp_path, 'hello', HELLO)
    start = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    scheduled = worker.queue(code_name='hello', payload={'who': 'cron'}, run_every=60,
                             run_times=3, start_at=start,
                             end_at=start + datetime.timedelta(days=1))
    assert scheduled.scheduled and len(scheduled.id) == 24
    (listed,) = worker.tasks(scheduled=True)
    assert (listed.id, listed.code_name, listed.run_every, listed.run_count) == (
        scheduled.id, 'hello', 60, 0)
    assert listed.payload == {'who': 'cron'} and listed.next_start == start
    read = worker.task(scheduled.id, scheduled=True)
    assert (read.status, read.run_times, read.start_at) == ('scheduled', 3, start)
    assert worker.cancel(read) is True
    assert worker.task(scheduled.id, scheduled=True).status == 'cancelled'
    assert worker.tasks() == []  # it never fired


def test_run_every_under_a_minute_or_an_unknown_code_raise_the_clients_http_error(
        farm, tmp_path):
    worker, _ = farm
    _upload(worker, tmp_path, 'hello', HELLO)
    for code_name, run_every, status in (('hello', 30, 400), ('nope', 60, 404)):
        with pytest.raises(requests.HTTPError) as caught:
            worker.queue(code_name=code_name, payload={}, run_every=run_every)
        assert caught.value.response.status_code == status
        assert caught.value.response.json()['msg']
    assert worker.tasks(scheduled=True) == []


def test_a_schedule_starting_now_fires_and_a_serve_agent_runs_its_task(farm, tmp_path):
    worker, farm = farm
    _upload(worker, tmp_path, 'hello', HELLO)
    scheduled = worker.queue(code_name='hello', payload={'who': 'scheduled'}, run_every=60,
                             run_times=1, start_at=datetime.datetime.now(datetime.UTC))
    deadline = time.monotonic() + 30
    while not (fired := worker.tasks()):  # the coordinator fires due schedules every second
        assert time.monotonic() < deadline, 'the schedule never fired'
        time.sleep(0.2)
    (task,) = fired
    assert (task.schedule_id, task.status) == (scheduled.id, 'queued')
    _serve(farm)
    done = worker.wait_for_task(task)
    assert done.status == 'complete'
    assert worker.log(task.id) == f'hello scheduled task {task.id}\n'
    after = worker.task(scheduled.id, scheduled=True)
    assert (after.status, after.run_count) == ('complete', 1)
    assert after.last_run_time is not None
    assert [task.id for task in worker.tasks()] == [task.id]  # one firing, one task
