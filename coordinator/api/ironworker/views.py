"""How /2/ writes code packages, their revisions, tasks and schedules as JSON: 24-hex ids,
RFC 3339 UTC times with Z, integer counts; a field with no value is left out, not null."""

from coordinator.api.ironworker.edge import when
from coordinator.api.ironworker.ids import Kind, encode
from coordinator.store.code_packages import CodeView, RevisionView
from coordinator.store.iron_schedules import CANCELLED, COMPLETE, ScheduleView
from coordinator.store.iron_tasks import TaskView


def code(view: CodeView, project_hex: str) -> dict:
    latest = view.latest
    return _present({
        'id': encode(Kind.CODE, view.id), 'project_id': project_hex, 'name': view.name,
        'runtime': latest.runtime, 'file_name': latest.file_name, 'image': latest.docker_image,
        'command': latest.command, 'config': latest.config, 'env_vars': latest.env_vars,
        'latest_checksum': latest.checksum, 'rev': latest.rev,
        'latest_history_id': encode(Kind.REVISION, latest.id),
        'latest_change': when(view.last_modified_at), 'created_at': when(view.created_at),
        'max_concurrency': view.max_concurrency, 'retries': view.retries,
        'retries_delay': seconds(view.retries_delay_s),
        'default_priority': view.default_priority, 'timeout': seconds(view.timeout_s),
        'status': 'paused' if view.is_paused else 'active'})


def revision(view: RevisionView, code_id: int, name: str, project_hex: str) -> dict:
    return _present({
        'id': encode(Kind.REVISION, view.id), 'code_id': encode(Kind.CODE, code_id),
        'project_id': project_hex, 'name': name, 'rev': view.rev, 'runtime': view.runtime,
        'file_name': view.file_name, 'image': view.docker_image, 'command': view.command,
        'config': view.config, 'env_vars': view.env_vars, 'checksum': view.checksum,
        'code_size': view.size_bytes,
        'created_at': when(view.created_at)})


def task(view: TaskView, project_hex: str) -> dict:
    """A task with IronWorker's fields: `code_rev` a string, `duration` in milliseconds,
    `percent` an integer; `timeout` and `status` always, as clients wait on them."""
    updated = view.status_changed_at or view.created_at
    duration = (None if view.started_at is None or view.ended_at is None
                else round((view.ended_at - view.started_at) * 1000))
    return _present({
        'id': encode(Kind.TASK, view.id), 'project_id': project_hex,
        'code_id': encode(Kind.CODE, view.code_id), 'code_name': view.code_name,
        'code_history_id': (None if view.revision_id is None
                            else encode(Kind.REVISION, view.revision_id)),
        'code_rev': None if view.rev is None else str(view.rev),
        'status': view.state.value, 'created_at': when(view.created_at),
        'updated_at': when(updated), 'start_time': when(view.started_at),
        'end_time': when(view.ended_at), 'duration': duration, 'timeout': view.timeout_s,
        'payload': view.payload, 'priority': view.priority, 'percent': round(view.percent),
        'msg': view.msg, 'label': view.label, 'schedule_id': view.schedule_public_id,
        'retry_count': view.failed_tries, 'run_times': view.attempt})


def schedule(view: ScheduleView, project_hex: str) -> dict:
    """A schedule with IronWorker's fields: `run_count` the firings that queued a task,
    `next_start` the next fire time (left out once it fires no more), `last_run_time` the
    last firing's fire time."""
    timing = view.timing
    return _present({
        'id': view.public_id, 'project_id': project_hex,
        'code_id': None if view.code_id is None else encode(Kind.CODE, view.code_id),
        'code_name': view.code_name, 'name': view.name, 'payload': view.payload,
        'status': view.status, 'msg': _SCHEDULE_MSG.get(view.status),
        'priority': view.priority, 'start_at': when(timing.start_at),
        'end_at': when(timing.end_at), 'run_every': timing.run_every_s,
        'run_times': timing.run_times, 'run_count': view.run_count,
        'next_start': when(view.next_fire_at), 'last_run_time': when(view.last_fire_at),
        'timeout': seconds(view.options.get('timeout_s')),
        'delay': seconds(view.options.get('delay_s')), 'label': view.options.get('label'),
        'created_at': when(view.created_at), 'updated_at': when(view.modified_at)})


_SCHEDULE_MSG = {COMPLETE: 'Ran max times.', CANCELLED: 'Cancelled'}


def seconds(value: float | None) -> int | float | None:
    """Seconds as an integer when whole (clients decode them into ints), else as sent."""
    return int(value) if value is not None and value == int(value) else value


def _present(fields: dict) -> dict:
    return {key: value for key, value in fields.items() if value is not None}
