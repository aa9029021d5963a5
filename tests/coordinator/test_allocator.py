"""The allocator's decisions against a fake Slurm and a hand-set clock: when it submits, how many
jobs, when it cancels, how it backs off, and that two of them never act on the same need."""

import pytest

from coordinator import allocator
from coordinator.allocator import Allocator, Settings
from coordinator.models import AllocationJob, AllocationQueue
from coordinator.store import allocations, job_types, queue, runs, users, workers
from coordinator.store.allocations import QueueSpec
from coordinator.store.job_types import Definition
from coordinator.store.queue import Order
from tests.clock import Clock
from tests.coordinator.racing import race
from tests.coordinator.slurm_fakes import FakeSlurm

T0 = 1_000_000.0


@pytest.fixture
def alice_types(alice_principal):
    job_types.define(alice_principal, 'render', '1.0.0', Definition(command=['render']), {},
                     now=T0)
    return alice_principal


@pytest.fixture
def slurm():
    return FakeSlurm()


@pytest.fixture
def clock():
    return Clock(T0)


def make(slurm, clock, tmp_path, holder='one') -> Allocator:
    settings = Settings(public_url='http://login1:8080', log_dir=tmp_path / 'alloc')
    return Allocator(settings, run=slurm, clock=clock, environ={'PATH': '/usr/bin',
                                                                'FARM_DATABASE_URL': 'secret'},
                     holder=holder)


def add(principal, **fields):
    spec = QueueSpec(**{'name': 'cpu', 'walltime_s': 3600, 'max_jobs': 2, 'slots': 4, **fields})
    return allocations.add_queue(principal, spec, now=T0)


def put(principal, count, **order):
    queue.queue_tasks(principal, 'render', '1.0.0', [Order(**order)] * count, now=T0)


def decision(name='cpu') -> str:
    return AllocationQueue.get(AllocationQueue.name == name).last_decision


def jobs(state=None) -> list[str]:
    query = AllocationJob.select().order_by(AllocationJob.id)
    return [job.slurm_job_id for job in query if state is None or job.state == state]


def test_nothing_eligible_submits_nothing_and_says_why(alice_types, slurm, clock, tmp_path):
    add(alice_types)
    put(alice_types, 3)
    job_types.set_paused(alice_types, 'render', '1.0.0', True)
    make(slurm, clock, tmp_path).pass_once()
    assert slurm.submitted() == 0
    assert decision() == '0 task(s) wait, 3 held (job type paused): nothing to do'


def test_work_longer_than_the_walltime_or_bound_to_another_queue_starts_nothing(
        alice_types, slurm, clock, tmp_path):
    add(alice_types)
    runs.create_run(alice_types, 4, now=T0, policy=runs.Policy(expected_duration_s=7200))
    other = runs.create_run(alice_types, 8, now=T0)
    add(alice_types, name='other', runs=(other.uuid,))
    allocations.change_queue(alice_types, 'other', paused=True)
    make(slurm, clock, tmp_path).pass_once()
    assert slurm.submitted() == 0
    assert decision() == '0 task(s) wait, 4 held (longer than the walltime): nothing to do'


def test_waiting_work_submits_serve_jobs_up_to_max_jobs(alice_types, slurm, clock, tmp_path):
    add(alice_types, max_jobs=2, sbatch_args=('--mem=1G',), qos='high', idle_timeout_s=45)
    put(alice_types, 10)  # ceil(10 / 4) = 3 jobs wanted, 2 allowed
    make(slurm, clock, tmp_path).pass_once()
    assert jobs() == ['1001', '1002']
    assert decision() == ('10 task(s) wait: submitted 2 job(s): 1001, 1002 '
                          '(max_jobs 2 allows 2)')
    argv, env, script = slurm.commands('sbatch')[0]
    assert argv == ['sbatch', '--parsable', '--export=ALL', '--qos=high', '--mem=1G']
    assert 'FARM_SERVE=1' in script and 'FARM_MAX_IDLE=45' in script
    assert 'FARM_URL=http://login1:8080' in script and '#SBATCH --time=01:00:00' in script
    # the token travels in the environment, never in the script; the coordinator's settings stay
    principal = users.principal_for_token(env['FARM_TOKEN'])
    assert principal.scope.value == 'worker' and principal.user_name == 'alice'
    assert env['FARM_TOKEN'] not in script and 'FARM_DATABASE_URL' not in env


def test_pending_jobs_cover_the_need_so_the_next_pass_does_nothing(alice_types, slurm, clock,
                                                                  tmp_path):
    add(alice_types, max_jobs=5)
    put(alice_types, 6)
    allocating = make(slurm, clock, tmp_path)
    allocating.pass_once()
    clock.now += 5
    allocating.pass_once()
    assert jobs('pending') == ['1001', '1002'] and slurm.submitted() == 2
    assert decision() == '6 task(s) wait; 2 job(s) starting cover 8 slot(s): nothing to do'


def test_registered_agents_count_with_their_slots_and_jobs_that_end_are_recorded(
        alice_types, slurm, clock, tmp_path):
    add(alice_types, max_jobs=3)
    put(alice_types, 4)
    allocating = make(slurm, clock, tmp_path)
    allocating.pass_once()
    slurm.states['1001'] = 'RUNNING'
    workers.register_worker(alice_types, 'agent-1', 'node1', 7, now=T0,
                            resources=workers.Resources(slots=8, slurm_job_id='1001'))
    put(alice_types, 4)  # 8 wait: the agent's 8 slots cover them
    clock.now += 5
    allocating.pass_once()
    assert jobs('running') == ['1001'] and slurm.submitted() == 1
    assert AllocationJob.get().reason == 'RUNNING'  # squeue's reason None says nothing
    assert decision() == '8 task(s) wait; live agents have 8 slot(s): nothing to do'
    del slurm.states['1001']  # the job ended: no accounting on this cluster
    clock.now += allocator.SUBMITTED_GRACE_S
    allocating.pass_once()
    assert jobs('ended') == ['1001']
    assert AllocationJob.get().reason == 'left the queue'


def test_pending_jobs_no_longer_needed_are_cancelled(alice_types, slurm, clock, tmp_path):
    add(alice_types)
    put(alice_types, 8)
    allocating = make(slurm, clock, tmp_path)
    allocating.pass_once()
    queue.claim(alice_types, _agent(alice_types), 8, None, now=T0)  # someone else took them
    clock.now += 5
    allocating.pass_once()
    assert slurm.commands('scancel')[0][0] == ['scancel', '1002', '1001']
    assert jobs('ended') == ['1001', '1002'] and slurm.states == {}
    assert decision().endswith('cancelled pending job(s) 1002, 1001: no longer needed')


def _agent(principal) -> str:
    workers.register_worker(principal, 'elsewhere', 'laptop', 1, now=T0,
                            resources=workers.Resources(slots=8))
    return 'elsewhere'


def test_a_failing_sbatch_backs_off_twice_as_long_each_time_and_shows_why(
        alice_types, slurm, clock, tmp_path):
    add(alice_types)
    put(alice_types, 2)
    slurm.sbatch_error = 'Invalid account or account/partition combination specified'
    allocating = make(slurm, clock, tmp_path)
    allocating.pass_once()
    assert decision() == ('2 task(s) wait: sbatch failed: sbatch refused the job: sbatch: '
                          'error: Invalid account or account/partition combination specified; '
                          'next try in 10 s')
    clock.now += 5
    allocating.pass_once()
    assert slurm.submitted() == 1  # backing off: the reason stays on show
    assert 'Invalid account' in decision() and AllocationQueue.get().failures == 1
    clock.now += 6
    allocating.pass_once()
    assert slurm.submitted() == 2 and decision().endswith('next try in 20 s')
    slurm.sbatch_error = None
    clock.now += 21
    allocating.pass_once()
    assert jobs() == ['1001'] and AllocationQueue.get().failures == 0


def test_a_paused_queue_submits_nothing_and_a_resumed_one_at_once(alice_types, slurm, clock,
                                                                  tmp_path):
    add(alice_types)
    put(alice_types, 2)
    allocations.change_queue(alice_types, 'cpu', paused=True)
    allocating = make(slurm, clock, tmp_path)
    allocating.pass_once()
    assert slurm.submitted() == 0
    allocations.change_queue(alice_types, 'cpu', paused=False)
    allocating.pass_once()
    assert jobs() == ['1001']


def test_max_jobs_is_never_exceeded_however_the_work_grows(alice_types, slurm, clock, tmp_path):
    add(alice_types, max_jobs=3, slots=1)
    allocating = make(slurm, clock, tmp_path)
    for round_ in range(6):
        put(alice_types, 5)
        allocating.pass_once()
        clock.now += 5
        active = [job for job, state in slurm.states.items() if state in ('PENDING', 'RUNNING')]
        assert len(active) <= 3
        if round_ == 2:  # one job ends: room for one more
            del slurm.states['1001']
            clock.now += allocator.SUBMITTED_GRACE_S
    assert slurm.submitted() == 4


def test_only_the_holder_of_the_lease_acts(alice_types, slurm, clock, tmp_path):
    add(alice_types)
    put(alice_types, 2)
    first, second = make(slurm, clock, tmp_path, 'one'), make(slurm, clock, tmp_path, 'two')
    first.pass_once()
    put(alice_types, 4)
    second.pass_once()
    assert slurm.submitted() == 1
    clock.now += first.settings.lease_s + 1  # the first fell silent: the second takes over
    second.pass_once()
    assert slurm.submitted() == 2


def test_two_allocators_racing_never_submit_for_the_same_need_twice(alice_types, slurm, clock,
                                                                    tmp_path):
    add(alice_types, max_jobs=10)
    for round_ in range(4):
        put(alice_types, 4)  # one job's worth more each round
        clock.now += 1000  # every lease has expired: both race to take it
        racers = [make(slurm, clock, tmp_path, f'{name}{round_}') for name in 'ab']
        assert race(*(racer.pass_once for racer in racers), leader=round_ % 2) == []
        assert slurm.submitted() == round_ + 1


def test_slurm_time_and_the_public_url(monkeypatch):
    assert allocator.slurm_time(3600) == '01:00:00'
    assert allocator.slurm_time(2 * 86_400 + 61) == '2-00:01:01'
    monkeypatch.setattr(allocator.socket, 'getfqdn', lambda: 'login1.cluster')
    assert allocator.public_url('0.0.0.0:8080') == 'http://login1.cluster:8080'
    assert allocator.public_url('10.0.0.5:9000', certfile='c.pem') == 'https://10.0.0.5:9000'


def test_a_queue_whose_owner_is_gone_says_so(alice_types, slurm, clock, tmp_path):
    view = add(alice_types)
    put(alice_types, 1)
    AllocationQueue.update(created_by=None).where(AllocationQueue.id == view.id).execute()
    make(slurm, clock, tmp_path).pass_once()
    assert decision() == ('1 task(s) wait: sbatch failed: its owner was deleted: no token to '
                          'start agents with; next try in 10 s')
