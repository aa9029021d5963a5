"""The canonical task and worker states, the tables of moves a task may make, and family names."""

import enum


class TaskState(str, enum.Enum):
    """Where a task is in its life; stored as the value."""

    QUEUED = 'queued'
    RUNNING = 'running'
    COMPLETE = 'complete'
    ERROR = 'error'
    CANCELLED = 'cancelled'
    KILLED = 'killed'
    TIMEOUT = 'timeout'

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES


FINAL_STATES = frozenset(
    {TaskState.COMPLETE, TaskState.ERROR, TaskState.CANCELLED, TaskState.KILLED, TaskState.TIMEOUT}
)

# The course of work: the moves the dispatcher (claims), agents (results) and the reaper (tasks
# of a worker lost or gone) make. The store's conditional UPDATEs take the states a task may
# leave from here (`sources`), so a move that is not listed is never written: a result never
# brings back a cancelled task. Nothing moves a task to `killed` yet.
TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    TaskState.QUEUED: frozenset({TaskState.RUNNING}),
    TaskState.RUNNING: frozenset({
        TaskState.QUEUED,  # handed back, retried after a failure, or its worker lost
        TaskState.COMPLETE,
        TaskState.ERROR,  # out of tries
        TaskState.TIMEOUT,  # out of tries, the last one killed at its timeout
    }),
    **{final: frozenset() for final in FINAL_STATES},
}

# Moves that override the course of work, each made by an explicit store operation: a person
# cancels unfinished work, or restarts a run, which queues its tasks afresh (queued ones too);
# taskfarm's PUT sets waiting, computing or done from any state, as the peer allows (the stock
# client finishes its tasks so). People's cancels, restarts, waiting and computing are audited.
OVERRIDES: dict[TaskState, frozenset[TaskState]] = {
    TaskState.QUEUED: frozenset(
        {TaskState.QUEUED, TaskState.RUNNING, TaskState.COMPLETE, TaskState.CANCELLED}),
    TaskState.RUNNING: frozenset({TaskState.QUEUED, TaskState.COMPLETE, TaskState.CANCELLED}),
    **{final: frozenset({TaskState.QUEUED, TaskState.RUNNING, TaskState.COMPLETE}) - {final}
       for final in FINAL_STATES},
}


def can_move(old: TaskState, new: TaskState,
             table: dict[TaskState, frozenset[TaskState]] = TRANSITIONS) -> bool:
    """True when `table` lets a task move from `old` to `new`."""
    return new in table[old]


def sources(new: TaskState,
            table: dict[TaskState, frozenset[TaskState]] = TRANSITIONS) -> tuple[str, ...]:
    """The states, as stored, that `table` lets a task leave for `new` (in the table's order)."""
    return tuple(old.value for old, moves in table.items() if new in moves)


class WorkerState(str, enum.Enum):
    """Where a worker agent is in its life; `lost` and `stopped` carry a reason."""

    IDLE = 'idle'
    BUSY = 'busy'
    DRAINING = 'draining'
    LOST = 'lost'
    STOPPED = 'stopped'


# a worker in one of these has left: its tasks went back, and it must register again to work
WORKER_GONE = (WorkerState.LOST, WorkerState.STOPPED)


class TaskfarmStatus(str, enum.Enum):
    """The three task status names of the taskfarm API."""

    WAITING = 'waiting'
    COMPUTING = 'computing'
    DONE = 'done'


TASKFARM_NAMES: dict[TaskState, TaskfarmStatus] = {
    TaskState.QUEUED: TaskfarmStatus.WAITING,
    TaskState.RUNNING: TaskfarmStatus.COMPUTING,
    TaskState.COMPLETE: TaskfarmStatus.DONE,
    # taskfarm has no failure names: a finished task is done, whatever its outcome
    TaskState.ERROR: TaskfarmStatus.DONE,
    TaskState.CANCELLED: TaskfarmStatus.DONE,
    TaskState.KILLED: TaskfarmStatus.DONE,
    TaskState.TIMEOUT: TaskfarmStatus.DONE,
}


class ScaleStatus(str, enum.Enum):
    """The job status names of the Scale v6 family (/v6/)."""

    PENDING = 'PENDING'
    QUEUED = 'QUEUED'
    RUNNING = 'RUNNING'
    FAILED = 'FAILED'
    COMPLETED = 'COMPLETED'
    CANCELED = 'CANCELED'


SCALE_NAMES: dict[TaskState, ScaleStatus] = {
    TaskState.QUEUED: ScaleStatus.QUEUED,  # or PENDING while delayed: see `scale_status`
    TaskState.RUNNING: ScaleStatus.RUNNING,
    TaskState.COMPLETE: ScaleStatus.COMPLETED,
    TaskState.ERROR: ScaleStatus.FAILED,
    TaskState.KILLED: ScaleStatus.FAILED,
    TaskState.TIMEOUT: ScaleStatus.FAILED,
    TaskState.CANCELLED: ScaleStatus.CANCELED,
}


def scale_status(state: TaskState, available_at: float, now: float) -> ScaleStatus:
    """The Scale name of a task in `state` that may be handed out from `available_at`.

    Scale's PENDING job is one not yet in its queue, waiting on something other than
    resources (in Scale, its inputs); QUEUED has all it needs and waits for a node. A
    queued task here always has its inputs: the one thing besides a free agent it can
    wait for is time, a delay it was queued with or the delay before a retry. So a
    queued task whose `available_at` is still ahead is PENDING, and one that could be
    handed out now is QUEUED.
    """
    if state is TaskState.QUEUED and available_at > now:
        return ScaleStatus.PENDING
    return SCALE_NAMES[state]


def scale_states(status: ScaleStatus) -> tuple[TaskState, ...]:
    """The canonical states a Scale status name covers (PENDING and QUEUED: queued both)."""
    if status is ScaleStatus.PENDING:
        return (TaskState.QUEUED,)
    return tuple(state for state, name in SCALE_NAMES.items() if name is status)



# The execution state names of the ndscheduler family (/api/v1/), as it writes them; it also has
# `scheduled error` (with a space), for an execution whose class could not be imported
NDSCHEDULER_NAMES: dict[TaskState, str] = {
    TaskState.QUEUED: 'scheduled',
    TaskState.RUNNING: 'running',
    TaskState.COMPLETE: 'succeeded',
    TaskState.ERROR: 'failed',
    TaskState.KILLED: 'failed',
    TaskState.TIMEOUT: 'timeout',
    TaskState.CANCELLED: 'stopped',
}
SCHEDULED_ERROR = 'scheduled error'
NDSCHEDULER_STATES = (*dict.fromkeys(NDSCHEDULER_NAMES.values()), SCHEDULED_ERROR)
# `farmworker job-class` exits so when the job's class cannot be imported
# (farmworker.job_classes.EXIT_UNIMPORTABLE): ndscheduler's `scheduled error`
UNIMPORTABLE_CLASS_EXIT = 3


def ndscheduler_state(state: TaskState, exit_code: int | None) -> str:
    """The ndscheduler name of an execution in `state` that exited `exit_code`."""
    if state is TaskState.ERROR and exit_code == UNIMPORTABLE_CLASS_EXIT:
        return SCHEDULED_ERROR
    return NDSCHEDULER_NAMES[state]


class AllocationJobState(str, enum.Enum):
    """A Slurm job the allocator submitted: `submitted` until squeue first sees it, `pending`
    while Slurm queues it, `running`, then `ended` (left the queue, cancelled or not) or
    `failed` (Slurm says it failed, or it never appeared)."""

    SUBMITTED = 'submitted'
    PENDING = 'pending'
    RUNNING = 'running'
    ENDED = 'ended'
    FAILED = 'failed'


# jobs that hold (or will hold) nodes: what max_jobs counts
ALLOCATION_JOB_ACTIVE = (AllocationJobState.SUBMITTED, AllocationJobState.PENDING,
                         AllocationJobState.RUNNING)
