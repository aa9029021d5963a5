"""Scheduled taskfarm runs: a TaskfarmRunJob's fire creates one run, owned by the job's creator,
and its execution succeeds at once with the run's uuid; with injected time."""

import datetime
import json

from coordinator.models import Run, Schedule, Task
from coordinator.states import TaskState
from coordinator.store import executions, firing, runs, scheduled_runs, schedules, users
from farmworker import job_classes
from tests.coordinator.racing import race
from tests.coordinator.test_store_schedules import job


def at(hour: int, minute: int, second: int = 0) -> float:
    return datetime.datetime(2026, 1, 1, hour, minute, second, tzinfo=datetime.UTC).timestamp()


def run_job(principal, now=at(12, 0, 30), **kwargs) -> str:
    return schedules.add_job(principal, job(name='nightly sweep',
                                            class_string=scheduled_runs.CLASS_STRING,
                                            minute='*/5', kwargs=kwargs), now=now)


def executions_of(job_id: str) -> list[Task]:
    schedule = Schedule.get(Schedule.public_id == job_id)
    return list(Task.select().where(Task.schedule == schedule.id).order_by(Task.id))


def test_the_coordinator_knows_the_class_farmworker_ships():
    assert scheduled_runs.CLASS_STRING == 'farmworker.job_classes.TaskfarmRunJob'
    assert job_classes.load(scheduled_runs.CLASS_STRING) is job_classes.TaskfarmRunJob


def test_each_fire_creates_one_run_and_its_execution_succeeds_with_the_runs_uuid(
        alice_principal):
    job_id = run_job(alice_principal, num_tasks=7, command=['./sim', '{task}'], max_tries=2,
                     task_timeout_s=60)
    assert firing.fire_due(at(12, 4, 59)) == []
    (execution_id,) = firing.fire_due(at(12, 5, 1))
    assert firing.fire_due(at(12, 5, 2)) == [], 'one run per fire time'
    (task,) = executions_of(job_id)
    (run,) = Run.select()
    assert (run.num_tasks, json.loads(run.command), run.max_tries, run.task_timeout_s) == (
        7, ['./sim', '{task}'], 2, 60)
    assert (run.owner_id, run.project_id, run.name, run.created_at) == (
        alice_principal.user_id, alice_principal.project_id, 'nightly sweep', at(12, 5, 1))
    assert (task.status, task.ended_at) == (TaskState.COMPLETE.value, at(12, 5, 1))
    assert json.loads(task.output) == {'result': {'run': run.uuid}}
    shown = executions.get_execution(alice_principal, execution_id)
    assert shown.state is TaskState.COMPLETE and shown.job.job_id == job_id
    status = runs.run_status(alice_principal, run.uuid)
    assert (status.num_tasks, status.done, status.running) == (7, 0, 0), 'agents work it'
    assert len(firing.fire_due(at(12, 10, 1))) == 1 and Run.select().count() == 2
    assert firing.live_executions(Schedule.get(Schedule.public_id == job_id).id) == 0, \
        'finished at once: max_instances never skips a fire'


def test_run_now_creates_a_run_with_inputs_at_once(alice_principal):
    job_id = run_job(alice_principal, inputs=['a.dat', 'b.dat'], command=['gzip', '{line}'])
    execution_id = executions.run_now(alice_principal, job_id, now=at(12, 1))
    (run,) = Run.select()
    assert run.num_tasks == 2 and runs.task_inputs(run.id, [0, 1]) == {0: 'a.dat', 1: 'b.dat'}
    output = json.loads(executions.get_execution(alice_principal, execution_id).output)
    assert output == {'result': {'run': run.uuid}}


def test_fires_racing_in_several_threads_create_exactly_one_run(alice_principal):
    run_job(alice_principal, num_tasks=3)
    assert race(*[lambda: firing.fire_due(at(12, 5, 1))] * 4) == []
    assert Run.select().count() == 1 and Task.select().count() == 1


def test_a_job_whose_creator_was_deleted_fails_its_fire_without_a_run(alice_principal):
    users.add_user('bob', 'pw')
    bob = users.principal_for_password('bob', 'pw')
    job_id = run_job(bob, num_tasks=3)
    users.delete_user('bob')
    firing.fire_due(at(12, 5, 1))
    (task,) = executions_of(job_id)
    assert task.status == TaskState.ERROR.value and 'deleted' in task.msg
    assert Run.select().count() == 0


def test_arguments_that_make_no_run_fail_the_execution_saying_why(alice_principal):
    job_id = run_job(alice_principal, num_tasks=3)
    Schedule.update(kwargs=json.dumps({'command': ['x']})).execute()  # as a PUT could leave
    firing.fire_due(at(12, 5, 1))
    (task,) = executions_of(job_id)
    assert task.status == TaskState.ERROR.value and 'num_tasks' in task.msg
