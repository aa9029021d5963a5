"""How /api/v1/ shows jobs, executions and audit logs: ndscheduler's JSON, cron values as
strings."""

import datetime
import json
import zoneinfo

from coordinator.api.farm.views import instant
from coordinator.states import ndscheduler_state
from coordinator.store.executions import ExecutionView
from coordinator.store.schedule_logs import ScheduleLog
from coordinator.store.schedules import CronJobView


def job_view(job: CronJobView) -> dict:
    """A job as ndscheduler shows one; `next_run_time` is in the job's time zone, "" while
    paused. `timezone` is this coordinator's addition (ndscheduler's jobs are all UTC)."""
    return {**job.fields(), 'next_run_time': _in_zone(job.next_fire_at, job.trigger.timezone)}


def execution_view(execution: ExecutionView) -> dict:
    """An execution as ndscheduler shows one; `job` (with the class as `task_name` too, as
    ndscheduler names it there) is absent once the job is deleted. `result` is the return
    value of run() as indented JSON once it succeeded, the log tail (its traceback) once it
    failed, null before."""
    state = ndscheduler_state(execution.state, execution.exit_code)
    shown = {'execution_id': execution.execution_id, 'state': state,
             'hostname': execution.hostname or '',
             'pid': -1 if execution.pid is None else execution.pid,
             'task_id': '', 'description': execution.message or '',
             'result': _result(state, execution),
             'scheduled_time': instant(execution.scheduled_at),
             'updated_time': instant(execution.updated_at or execution.scheduled_at)}
    if execution.job is not None:
        shown['job'] = {**execution.job.fields(), 'task_name': execution.job.job_class_string}
    return shown


def _result(state: str, execution: ExecutionView) -> str | None:
    if state == 'succeeded':
        try:
            result = json.loads(execution.output or 'null')
        except ValueError:
            return execution.output
        return json.dumps(_returned(result), indent=4, sort_keys=True)
    if state in ('scheduled', 'running'):
        return None
    return execution.log_tail or execution.message or ''


def _returned(output):
    """What run() returned, out of the outputs an agent reported: `farmworker job-class`
    writes {"result": ...} to outputs.json, reported as {"files": {}, "json": {...}}; other
    work's outputs are shown whole."""
    if isinstance(output, dict) and isinstance(output.get('json'), dict):
        output = output['json']
    if isinstance(output, dict) and set(output) == {'result'}:
        return output['result']
    return output


def log_view(log: ScheduleLog) -> dict:
    """An audit entry; `user` is "" when nobody is known (the actor was deleted)."""
    return {'job_id': log.job_id, 'job_name': log.job_name, 'event': log.event,
            'user': log.user or '', 'created_time': instant(log.created_at),
            'description': log.description}


def _in_zone(epoch_s: float | None, zone: str) -> str:
    if epoch_s is None:
        return ''
    return datetime.datetime.fromtimestamp(epoch_s, zoneinfo.ZoneInfo(zone)).isoformat()
