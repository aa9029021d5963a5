"""The unmodified taskfarm-worker 0.4.0 client (library and manageTF CLI) against a live coordinator."""

import multiprocessing
import subprocess

import pytest
from taskfarm_worker import TaskFarm, TaskFarmWorker, tfRuns

from tests.conftest import PASSWORD
from tests.e2e.conftest import venv_script

pytestmark = pytest.mark.timeout(240)


def _work(api: str, run_uuid: str, logged_in) -> list[int]:
    worker = TaskFarmWorker('alice', PASSWORD, run_uuid, url_base=api)
    # password checks take turns (one per server process; the others get 503 and retry), so a
    # worker could log in after the rest had done all the work: all start claiming together
    logged_in.wait(timeout=60)
    done = []
    for number in worker.tasks:
        worker.update(50)
        worker.update(100)
        worker.done()
        done.append(number)
    return done


def test_four_stock_workers_complete_a_run_handing_out_each_task_once(serve):
    coordinator = serve(workers=4)
    farm = TaskFarm('alice', PASSWORD, numTasks=300, url_base=coordinator.api)
    spawn = multiprocessing.get_context('spawn')
    with spawn.Manager() as manager, spawn.Pool(4) as pool:
        logged_in = manager.Barrier(4)
        per_worker = pool.starmap(_work, [(coordinator.api, farm.uuid, logged_in)] * 4)
    handed_out = sorted(n for numbers in per_worker for n in numbers)
    assert handed_out == list(range(300))
    assert all(per_worker), 'every worker got some of the work'
    assert farm.numDone == 300 and farm.numWaiting == 0 and farm.numComputing == 0
    assert farm.percentDone == 100


def test_the_client_library_manages_a_run_as_with_the_original(serve):
    coordinator = serve(workers=2)
    farm = TaskFarm('alice', PASSWORD, numTasks=5, url_base=coordinator.api)
    assert farm.getTaskInfo(3, 'status') == 'waiting'
    worker = TaskFarmWorker('alice', PASSWORD, farm.uuid, url_base=coordinator.api)
    assert worker.task == 0
    worker.update(100)
    worker.done()
    task = farm.getTaskInfo(0, '')
    assert isinstance(task.pop('id'), int)
    assert task == {'task': 0, 'percentCompleted': 100.0, 'status': 'done'}
    farm.setTaskInfo(2, 'percentCompleted', 40)
    assert farm.getTaskInfo(2, 'percentCompleted') == 40
    assert worker.task == 2, 'a task touched ahead of the claims is served, not a permanent 500'
    status = farm.info('')
    assert isinstance(status.pop('id'), int)
    assert status == {'uuid': farm.uuid, 'numTasks': 5, 'numWaiting': 3, 'numComputing': 1,
                      'numDone': 1, 'numFailed': 0, 'percentDone': 28.0}
    farm.restart()
    assert (farm.numWaiting, farm.numDone, farm.percentDone) == (4, 1, 28.0)
    farm.restart(True)
    assert (farm.numWaiting, farm.numDone, farm.percentDone) == (5, 0, 0.0)
    assert [r['uuid'] for r in tfRuns('alice', PASSWORD, url_base=coordinator.api)] == [farm.uuid]
    farm.delete()
    assert tfRuns('alice', PASSWORD, url_base=coordinator.api) == []


def _manage(coordinator, *args) -> str:
    result = subprocess.run([venv_script('manageTF'), '-b', coordinator.api, '-u', 'alice', '-p', PASSWORD, *args],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_manage_cli_lists_inspects_resets_and_deletes(serve):
    coordinator = serve(workers=2)
    farm = TaskFarm('alice', PASSWORD, numTasks=4, url_base=coordinator.api)
    worker = TaskFarmWorker('alice', PASSWORD, farm.uuid, url_base=coordinator.api)
    worker.task
    worker.update(100)
    worker.done()
    run_id = farm.info('')['id']
    assert _manage(coordinator, '-l') == f'{run_id} {farm.uuid} 4\n'
    assert _manage(coordinator, '-i', farm.uuid) == f'{run_id} {farm.uuid} 4 (3,0,1) 25.0\n'
    _manage(coordinator, '-R', farm.uuid)
    assert _manage(coordinator, '-i', farm.uuid) == f'{run_id} {farm.uuid} 4 (4,0,0) 0.0\n'
    _manage(coordinator, '-d', farm.uuid)
    assert _manage(coordinator, '-l') == ''
