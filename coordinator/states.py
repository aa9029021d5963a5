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
