"""Worker registration; registering an existing uuid again (a retried POST) is not an error."""

import time

from coordinator.db import database
from coordinator.errors import Conflict
from coordinator.models import Worker
from coordinator.states import WorkerState
from coordinator.store.access import Principal


def register_worker(principal: Principal, worker_uuid: str, hostname: str, pid: int,
                    now: float | None = None) -> int:
    """Record a worker and return its id; the same uuid from another project is a Conflict."""
    now = time.time() if now is None else now
    fields = dict(hostname=hostname, pid=pid, state=WorkerState.IDLE.value, reason=None)
    with database.write():
        worker_id = (Worker.insert(uuid=worker_uuid, project=principal.project_id,
                                   owner=principal.user_id, created_at=now, **fields)
                     .on_conflict_ignore().execute())
        if worker_id is not None:
            return worker_id
        worker_id, project_id = (Worker.select(Worker.id, Worker.project)
                                 .where(Worker.uuid == worker_uuid).tuples().get())
        if project_id != principal.project_id:
            raise Conflict(f'worker uuid {worker_uuid} is taken')
        Worker.update(**fields).where(Worker.id == worker_id).execute()
    return worker_id
