"""Canned /farm/v1 replies with fixed times, shaped as the API contract says, and a fake client."""

import copy
from datetime import datetime, timedelta

from farmworker.client import Refused

NOW = '2026-11-23T17:20:05.123456+00:00'
UUIDS = ['3f2a9c1e8b7d4e6fa0c1d2e3f4a5b6c7', '7c1d5e0fa9b84c2d8e3f4a5b6c7d8e9f',
         'a0b1c2d3e4f5061728394a5b6c7d8e9f', 'e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4']


def run(uuid, name, num_tasks, waiting, running, done, failed, cancelled=0, state='running',
        created='2026-11-23T16:05:00+00:00', started='2026-11-23T16:06:10+00:00',
        finished=None, rate=0.0, eta=None, command=None, workers=0, walltime_left=None):
    return {'uuid': uuid, 'name': name, 'command': command, 'has_inputs': False,
            'num_tasks': num_tasks, 'waiting': waiting, 'running': running, 'done': done,
            'failed': failed, 'cancelled': cancelled,
            'percent_done': round(100.0 * (done + failed + cancelled) / num_tasks, 1),
            'state': state, 'created_at': created, 'started_at': started,
            'finished_at': finished, 'rate_per_s': rate, 'eta_s': eta, 'max_tries': 3,
            'retry_delay_s': 0.0, 'task_timeout_s': None, 'expected_duration_s': None,
            'workers': workers, 'walltime_left_s': walltime_left}


RUNS = [
    run(UUIDS[0], 'md-sweep', 2000, 1180, 16, 790, 14, rate=0.85, eta=1388.0,
        command=['python', 'sim.py', '--seed', '{task}'], workers=2, walltime_left=1000.0),
    run(UUIDS[1], None, 500, 240, 0, 260, 0, created='2026-11-23T15:10:00+00:00',
        started=None, state='waiting', rate=0.0),
    run(UUIDS[2], 'blast-chunks', 120, 0, 0, 112, 6, 2, state='finished',
        created='2026-11-23T12:00:00+00:00', started='2026-11-23T12:00:30+00:00',
        finished='2026-11-23T13:41:02+00:00'),
    run(UUIDS[3], 'render-frames', 48, 10, 8, 30, 0, created='2026-11-23T17:01:00+00:00',
        started='2026-11-23T17:01:05+00:00', rate=2.5, eta=4.0),
]

WORKERS = [
    {'uuid': 'w-0001-node017', 'hostname': 'node017', 'pid': 40211, 'slots': 8, 'cpus': 32,
     'memory_bytes': 13_200_000_000, 'load': 7.91, 'state': 'busy', 'reason': None,
     'slurm_job_id': '4411823', 'allocation': 'cpu',
     'walltime_end_at': '2026-11-23T19:02:00+00:00',
     'last_heartbeat_at': '2026-11-23T17:20:02+00:00', 'created_at': '2026-11-23T16:06:00+00:00',
     'tasks': [{'run': UUIDS[0], 'number': n, 'attempt': 1} for n in (801, 802, 803, 805, 806)]},
    {'uuid': 'w-0002-node018', 'hostname': 'node018', 'pid': 40877, 'slots': 8, 'cpus': 32,
     'memory_bytes': 9_800_000_000, 'load': 8.02, 'state': 'busy', 'reason': None,
     'slurm_job_id': '4411824', 'allocation': None,
     'walltime_end_at': '2026-11-23T17:31:00+00:00',
     'last_heartbeat_at': '2026-11-23T17:20:04+00:00', 'created_at': '2026-11-23T16:06:00+00:00',
     'tasks': [{'run': UUIDS[3], 'number': 40, 'attempt': 1},
               {'run': UUIDS[0], 'number': 807, 'attempt': 2}]},
    {'uuid': 'w-0003-login01', 'hostname': 'login01', 'pid': 2231, 'slots': 2, 'cpus': 8,
     'memory_bytes': 1_100_000_000, 'load': 0.12, 'state': 'idle', 'reason': None,
     'slurm_job_id': None, 'walltime_end_at': None,
     'last_heartbeat_at': '2026-11-23T17:19:58+00:00', 'created_at': '2026-11-23T17:00:00+00:00',
     'tasks': []},
    {'uuid': 'w-0004-node009', 'hostname': 'node009', 'pid': 11873, 'slots': 8, 'cpus': 32,
     'memory_bytes': 20_000_000_000, 'load': 3.5, 'state': 'lost',
     'reason': 'no heartbeat for 120 s', 'slurm_job_id': '4411700',
     'walltime_end_at': '2026-11-23T18:00:00+00:00',
     'last_heartbeat_at': '2026-11-23T16:58:41+00:00', 'created_at': '2026-11-23T15:00:00+00:00',
     'tasks': []},
]


def task(number, status, attempt=1, failed_tries=0, worker='w-0001-node017', hostname='node017',
         percent=None, started=None, ended=None, duration=None, exit_code=None, msg=None):
    return {'number': number, 'status': status, 'attempt': attempt, 'failed_tries': failed_tries,
            'worker': worker, 'hostname': hostname, 'percent': percent, 'started_at': started,
            'ended_at': ended, 'duration_s': duration, 'exit_code': exit_code, 'msg': msg,
            'input': None}


TASKS = [
    task(0, 'done', started='2026-11-23T16:06:11+00:00', ended='2026-11-23T16:07:52+00:00',
         duration=101.2, exit_code=0, percent=100),
    task(1, 'failed', attempt=3, failed_tries=3, started='2026-11-23T16:20:00+00:00',
         ended='2026-11-23T16:20:03+00:00', duration=3.1, exit_code=2,
         msg='exit code 2'),
    task(2, 'running', percent=40, started='2026-11-23T17:18:30+00:00'),
    task(3, 'cancelled', started='2026-11-23T16:40:00+00:00', ended='2026-11-23T16:41:00+00:00',
         duration=60.0, msg='cancelled by alice'),
    task(4, 'waiting', attempt=0, worker=None, hostname=None),
]

LOG_TAIL = '\n'.join([f'step {n:4d}: energy -{1520.5 + n * 0.25:.2f} kJ/mol' for n in range(12)]
                     + ['Traceback (most recent call last):', '  File "sim.py", line 88',
                        'ValueError: bad seed'])

OVERVIEW = {
    'now': NOW,
    'tasks': {'waiting': 1430, 'running': 24, 'done': 1192, 'failed': 20, 'cancelled': 2},
    'runs': {'active': 3, 'finished': 1, 'total': 4},
    'workers': {'idle': 1, 'busy': 2, 'draining': 0, 'lost': 1, 'stopped': 0},
    'rate_per_s': 3.35,
    'done_per_minute': [0, 0, 12, 40, 55, 61, 58, 60, 64, 70, 66, 62, 59, 71, 80, 84, 90, 88,
                        120, 150, 160, 171, 168, 175, 180, 190, 205, 201, 199, 64],
    'failed_last_hour': 7,
    'oldest_waiting': {'run': UUIDS[1], 'name': None, 'since': '2026-11-23T15:10:00+00:00'},
}


def job_type(type_id, name, version, title, is_paused=False, is_active=True, is_system=False,
             max_scheduled=None, max_tries=3):
    """One version of a job type as /v6/job-types/ lists it."""
    return {'id': type_id, 'name': name, 'version': version, 'title': title,
            'description': f'The {name} job', 'is_active': is_active, 'is_paused': is_paused,
            'is_published': False, 'icon_code': None, 'unmet_resources': None,
            'is_system': is_system, 'max_scheduled': max_scheduled, 'max_tries': max_tries,
            'revision_num': 1, 'docker_image': None, 'created': '2026-11-20T09:00:00+00:00',
            'deprecated': None if is_active else '2026-11-22T09:00:00+00:00',
            'paused': '2026-11-23T16:30:00+00:00' if is_paused else None,
            'last_modified': '2026-11-23T16:30:00+00:00'}


JOB_TYPES = [
    job_type(1, 'taskfarm-run', '1.0.0', 'Taskfarm runs', is_system=True),
    job_type(4, 'mosaic', '0.3.0', 'Mosaic builder', is_paused=True, max_scheduled=4),
    job_type(2, 'tiler', '1.0.0', 'Tiler', is_active=False),
    job_type(3, 'tiler', '1.2.0', 'Tiler', max_scheduled=16, max_tries=5),
]


BASE_FIELDS = ('id', 'name', 'version', 'title', 'description', 'is_active', 'is_paused',
               'is_published', 'icon_code', 'unmet_resources')  # what the status view sends


def counts(*counts):
    return [{'status': status, 'count': count, 'category': category, 'most_recent': NOW}
            for status, count, category in counts]


def failure(at, category, name, state='error'):
    return {'at': at, 'state': state, 'category': category, 'error_name': name}


NO_STATUS = {'job_counts': [], 'queued_now': 0, 'last_failure': None}
# what /v6/job-types/status/ counts for each type of JOB_TYPES, by id
TYPE_STATUS = {
    1: {'job_counts': counts(('QUEUED', 240, None), ('RUNNING', 24, None), ('FAILED', 6, 'SYSTEM'),
                             ('FAILED', 14, 'ALGORITHM'), ('COMPLETED', 1192, None),
                             ('CANCELED', 2, None)),
        'queued_now': 1430,
        'last_failure': failure('2026-11-23T17:12:40Z', 'SYSTEM', 'node-lost', 'timeout')},
    4: {'job_counts': counts(('FAILED', 2, 'DATA'), ('COMPLETED', 30, None)), 'queued_now': 120,
        'last_failure': failure('2026-11-23T16:10:00Z', 'DATA', 'image-corrupt')},
    3: {'job_counts': counts(('RUNNING', 16, None), ('COMPLETED', 310, None)), 'queued_now': 48,
        'last_failure': failure('2026-11-22T09:00:00Z', 'ALGORITHM', 'algorithm-unknown')},
}


# what /farm/v1/queue groups: tasks waiting by type and priority (the runs' at 0)
QUEUE_GROUPS = [(3, 50, 40, 40, '2026-11-23T17:02:00Z'), (3, 10, 8, 2, '2026-11-23T16:40:00Z'),
                (4, 10, 120, 120, '2026-11-23T15:30:00Z'),
                (1, 0, 1430, 1430, '2026-11-23T15:10:00Z')]

# what /farm/v1/schedules lists: the next to fire first, paused ones last
SCHEDULES = [
    {'id': 'c' * 32, 'family': 'ndscheduler', 'name': 'poll the archive',
     'job_type': 'archive.Poll ndscheduler', 'kind': 'cron', 'when': 'minute=*/5',
     'timezone': 'UTC', 'is_paused': False, 'next_fire_at': '2026-11-23T17:25:00Z',
     'last_fire_at': '2026-11-23T17:20:00Z', 'run_count': 212, 'last_state': 'running'},
    {'id': 'd' * 32, 'family': 'ndscheduler', 'name': 'nightly tiles',
     'job_type': 'tiler 1.2.0', 'kind': 'cron', 'when': 'hour=2 minute=0',
     'timezone': 'Europe/Oslo', 'is_paused': False, 'next_fire_at': '2026-11-24T01:00:00Z',
     'last_fire_at': '2026-11-23T01:00:00Z', 'run_count': 31, 'last_state': 'error'},
    {'id': 'e' * 24, 'family': 'ironworker', 'name': None, 'job_type': 'hello ironworker',
     'kind': 'interval', 'when': 'every 3600 s', 'timezone': None, 'is_paused': False,
     'next_fire_at': None, 'last_fire_at': '2026-11-22T09:00:00Z', 'run_count': 10,
     'last_state': 'complete'},
    {'id': 'f' * 32, 'family': 'ndscheduler', 'name': 'weekly report',
     'job_type': 'report 0.1.0', 'kind': 'cron', 'when': 'day_of_week=mon hour=6 minute=0',
     'timezone': 'UTC', 'is_paused': True, 'next_fire_at': None, 'last_fire_at': None,
     'run_count': 0, 'last_state': None},
]


# what /farm/v1/allocations lists, by name
ALLOCATIONS = [
    {'name': 'cpu', 'walltime_s': 7200, 'max_jobs': 8, 'nodes': 1, 'slots': None,
     'idle_timeout_s': 300.0, 'partition': 'short', 'account': None, 'qos': None,
     'sbatch_args': [], 'job_types': None, 'runs': None, 'paused': False,
     'backoff_until': None,
     'last_decision': '40 task(s) wait; live agents have 16 slot(s); 1 job(s) starting cover '
                      '8 slot(s): submitted 2 job(s): 4711, 4712',
     'last_decision_at': '2026-11-23T17:19:55Z', 'jobs_pending': 3, 'jobs_running': 2,
     'agents': 2, 'created_by': 'alice', 'created_at': '2026-11-23T09:00:00Z'},
    {'name': 'gpu', 'walltime_s': 86400, 'max_jobs': 2, 'nodes': 2, 'slots': 4,
     'idle_timeout_s': 600.0, 'partition': 'gpu', 'account': None, 'qos': None,
     'sbatch_args': ['--gres=gpu:4'], 'job_types': ['train'], 'runs': None, 'paused': False,
     'backoff_until': '2026-11-23T17:21:00Z',
     'last_decision': '3 task(s) wait: sbatch failed: sbatch refused the job: Invalid '
                      'partition name specified; next try in 80 s',
     'last_decision_at': '2026-11-23T17:19:40Z', 'jobs_pending': 0, 'jobs_running': 0,
     'agents': 0, 'created_by': 'alice', 'created_at': '2026-11-23T09:00:00Z'},
]


class FakeClient:
    """FarmApi's methods over the canned replies; actions change them and are recorded."""

    url = 'http://coordinator.test:8000'

    def __init__(self):
        self.runs_by_uuid = {r['uuid']: copy.deepcopy(r) for r in RUNS}
        self.tasks_by_number = {t['number']: copy.deepcopy(t) for t in TASKS}
        self.job_types_by_id = {t['id']: copy.deepcopy(t) for t in JOB_TYPES}
        self.schedules_by_id = {row['id']: copy.deepcopy(row) for row in SCHEDULES}
        self.allocations_by_name = {row['name']: copy.deepcopy(row) for row in ALLOCATIONS}
        self.calls: list[tuple] = []

    def overview(self):
        self.calls.append(('overview',))
        return copy.deepcopy(OVERVIEW)

    def runs(self, state='all', limit=100, offset=0):
        self.calls.append(('runs', state, limit, offset))
        over = ('finished', 'cancelled')
        runs = [r for r in self.runs_by_uuid.values()
                if state == 'all' or (state == 'finished') == (r['state'] in over)]
        return {'now': NOW, 'total': len(runs), 'runs': copy.deepcopy(runs[offset:offset + limit])}

    def run(self, uuid):
        self.calls.append(('run', uuid))
        if uuid not in self.runs_by_uuid:
            raise Refused(404, f'no run {uuid}')
        return copy.deepcopy(self.runs_by_uuid[uuid])

    def tasks(self, uuid, status=None, after=-1, limit=100):
        self.calls.append(('tasks', uuid, status, after, limit))
        tasks = [t for n, t in sorted(self.tasks_by_number.items())
                 if n > after and (status is None or t['status'] == status)]
        page = tasks[:limit]
        more = len(tasks) > limit
        return {'now': NOW, 'tasks': copy.deepcopy(page),
                'next_after': page[-1]['number'] if more else None}

    def task(self, uuid, number):
        self.calls.append(('task', uuid, number))
        return {**copy.deepcopy(self.tasks_by_number[number]), 'log_tail': LOG_TAIL,
                'error_category': 'ALGORITHM' if number == 1 else None}

    def explain(self, uuid, number):
        self.calls.append(('explain', uuid, number))
        waiting = self.tasks_by_number[number]['status'] == 'waiting'
        reasons = [f'no live agent works on run {uuid} or serves job type taskfarm-run']
        return {'status': 'queued' if waiting else self.tasks_by_number[number]['status'],
                'waiting': waiting, 'reasons': reasons if waiting else [], 'ahead': None}

    def workers(self, state='all', limit=100, offset=0):
        self.calls.append(('workers', state, limit, offset))
        alive = ('idle', 'busy', 'draining')
        workers = [w for w in WORKERS if state == 'all'
                   or (state == 'alive') == (w['state'] in alive)]
        return {'now': NOW, 'total': len(workers), 'workers': copy.deepcopy(workers)}

    def cancel_task(self, uuid, number):
        self.calls.append(('cancel_task', uuid, number))
        status = self.tasks_by_number[number]['status']
        if status in ('done', 'failed', 'cancelled'):
            raise Refused(409, f'task {number} has already finished ({status})')
        self.tasks_by_number[number]['status'] = 'cancelled'
        return copy.deepcopy(self.tasks_by_number[number])

    def restart_run(self, uuid, all_tasks=False):
        self.calls.append(('restart_run', uuid, all_tasks))
        r = self.runs_by_uuid[uuid]
        r['waiting'] += r['failed'] + r['cancelled']
        r['failed'] = r['cancelled'] = 0
        return copy.deepcopy(r)

    def cancel_run(self, uuid):
        self.calls.append(('cancel_run', uuid))
        self.runs_by_uuid[uuid]['state'] = 'cancelled'
        return copy.deepcopy(self.runs_by_uuid[uuid])

    def delete_run(self, uuid):
        self.calls.append(('delete_run', uuid))
        del self.runs_by_uuid[uuid]

    def job_type_status(self, is_active=None, hours=None):
        self.calls.append(('job_type_status', is_active, hours))
        found = sorted((t for t in self.job_types_by_id.values()
                        if is_active is None or t['is_active'] == is_active),
                       key=lambda t: (t['name'], t['version']))
        started = datetime.fromisoformat(NOW) - timedelta(hours=hours or 3)
        return {'now': NOW, 'count': len(found), 'started': started.isoformat(), 'ended': NOW,
                'results': [{'job_type': {key: t[key] for key in BASE_FIELDS},
                             **copy.deepcopy(TYPE_STATUS.get(t['id'], NO_STATUS))}
                            for t in found]}

    def queue(self):
        self.calls.append(('queue',))
        groups = [{'job_type': {key: self.job_types_by_id[type_id][key]
                                for key in ('id', 'name', 'version', 'is_paused', 'is_active')},
                   'priority': priority, 'queued': queued, 'available_now': ready,
                   'oldest_queued_at': oldest}
                  for type_id, priority, queued, ready, oldest in QUEUE_GROUPS]
        return {'now': NOW, 'queue': groups,
                'total': {'queued': sum(group['queued'] for group in groups),
                          'available_now': sum(group['available_now'] for group in groups)}}

    def edit_job_type(self, name, version, fields):
        self.calls.append(('edit_job_type', name, version, fields))
        for found in self.job_types_by_id.values():
            if (found['name'], found['version']) == (name, version):
                found.update(fields)
                return {'is_valid': True, 'errors': [], 'warnings': []}
        raise Refused(404, f'no job type {name} {version}')

    def schedules(self):
        self.calls.append(('schedules',))
        return {'now': NOW, 'schedules': copy.deepcopy(list(self.schedules_by_id.values()))}

    def pause_cron_job(self, job_id):
        self.calls.append(('pause_cron_job', job_id))
        self.schedules_by_id[job_id].update(is_paused=True, next_fire_at=None)
        return {'job_id': job_id}

    def resume_cron_job(self, job_id):
        self.calls.append(('resume_cron_job', job_id))
        self.schedules_by_id[job_id].update(is_paused=False, next_fire_at='2026-11-30T06:00:00Z')
        return {'job_id': job_id}

    def run_cron_job(self, job_id):
        self.calls.append(('run_cron_job', job_id))
        return {'execution_id': '0' * 31 + '7'}

    def allocations(self):
        self.calls.append(('allocations',))
        return {'now': NOW,
                'allocations': copy.deepcopy(list(self.allocations_by_name.values()))}

    def change_allocation(self, name, fields):
        self.calls.append(('change_allocation', name, fields))
        self.allocations_by_name[name].update(fields)
        return copy.deepcopy(self.allocations_by_name[name])
