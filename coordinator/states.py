"""The canonical task and worker states, the dispatcher's transition table, and each family's names."""

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

# Moves the dispatcher and workers make. Moves people make (requeue a finished task,
# restart a run, cancel) are explicit store operations with an audit entry instead.
TRANSITIONS: dict[TaskState, frozenset[TaskState]] = {
    TaskState.QUEUED: frozenset({TaskState.RUNNING, TaskState.CANCELLED}),
    TaskState.RUNNING: frozenset(
        {
            TaskState.QUEUED,  # lease lost or handed back: retried
            TaskState.COMPLETE,
            TaskState.ERROR,
            TaskState.CANCELLED,
            TaskState.KILLED,
            TaskState.TIMEOUT,
        }
    ),
    **{final: frozenset() for final in FINAL_STATES},
}


def can_move(old: TaskState, new: TaskState) -> bool:
    """True when the dispatcher may move a task from `old` to `new`."""
    return new in TRANSITIONS[old]


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
