"""Request latency and coordinator memory with 10^7 task rows against an empty database.

`.venv/bin/python tests/benchmarks/bench_big_tables.py [--quick] [--postgres] [--json PATH]`
prepares, for SQLite (and PostgreSQL with `--postgres`), two databases with the same
project, job types, IronWorker code packages, ndscheduler jobs, waiting work, live run and
the finished work of one past hour (what IronWorker's and ndscheduler's lists of that hour
show, a full page in both):

  empty  that, and the big database's finished runs as rows without their tasks
  big    that plus `--rows` finished task rows (default 10^7; 10^5 with --quick): finished
         runs of 10,000 tasks, finished queued work of 20 job types, 10 code packages and
         10 ndscheduler jobs, and the first tenth of the live run done; written with
         set-based SQL after `farm-coordinator init` (every index in place), then ANALYZEd

and serves each with a real `farm-coordinator serve` (gunicorn, default workers). The
requests of a serve agent, a run agent, run and job-type status, the dashboard's screens,
IronWorker's task list and ndscheduler's executions are sent to both servers in
alternating rounds, so outside load falls on both alike. It prints one table (median and
p99 of each request on each database, big / empty, the target <= 1.2 x and whether it is
met), the coordinators' RSS before and after, then the same as figures against their targets
(figures.py), which `--json PATH` also writes.
"""

import argparse
import dataclasses
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import psutil
import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))  # the other benchmarks' helpers, also when not run as a script

import scratch_postgres  # noqa: E402
from bench_taskfarm import (BIN, PASSWORD, Server, clean_env, free_port,  # noqa: E402
                            percentile, run_checked)
from figures import Figure, add_json_option, report  # noqa: E402

TARGET_RATIO = 1.2
RSS_GROWTH = 1.1  # "flat": the big database's coordinator grows < 10 % after its first round
RUN_SIZE = 10_000  # tasks of each prefilled finished run
SCALE_TYPES, CODE_PACKAGES, CRON_JOBS = 20, 10, 10
WAITING_PER_TYPE, WAITING_PER_CODE = 1_000, 200  # queued now, the same in both databases
# finished work of one past hour, the same in both databases: requests about that hour then
# answer the same from each (IronWorker tasks by label or time, executions of the hour)
PAST_HOUR_ROWS = 1_000
LIVE_RUN_TASKS = 1_000_000
CHUNK_ROWS = 1_000_000  # rows per INSERT statement, so progress shows and the WAL stays bounded
# the prefilled rows were created over 30 days that ended a day ago: requests about the last
# hours then get the same answer from both databases, and what differs is the table's size
SPAN_S, SPAN_END_S = 30 * 86400, 86400
BATCH = 10  # tasks an agent claims per request (and reports on the next)
FAILED_EVERY = 50  # one finished task in 50 failed
HEARTBEAT_S = 15  # as farmworker agents do with the default worker TTL (60 s)
SLOW_S = 5.0  # a request that takes longer is named as it happens


# ---------------------------------------------------------------- databases

@dataclasses.dataclass
class Database:
    """One database: where it lives and how a coordinator is pointed at it."""

    name: str  # empty / big
    kind: str  # sqlite / postgres
    url: str
    workdir: Path
    drop: str | None = None  # the PostgreSQL database to drop afterwards

    @property
    def where(self) -> list[str]:
        return ['--database-url', self.url]


def sqlite_database(name: str, workdir: Path) -> Database:
    workdir.mkdir(parents=True, exist_ok=True)
    return Database(name, 'sqlite', f'sqlite:///{workdir}/farm.db', workdir)


def postgres_database(name: str, workdir: Path) -> Database:
    """A database of its own on the test server scripts/services.sh starts (dropped after)."""
    workdir.mkdir(parents=True, exist_ok=True)
    db_name = f'farm_bigtables_{name}_{os.getpid()}'
    return Database(name, 'postgres', scratch_postgres.create(db_name), workdir, drop=db_name)


def drop_database(database: Database) -> None:
    if database.drop is not None:
        scratch_postgres.drop(database.url)


def open_peewee(url: str):
    from coordinator import db
    return db.bind(db.open_database(url))


@dataclasses.dataclass
class Base:
    """What both databases hold besides finished rows: ids the prefill and the requests use."""

    project_id: int
    project_hex: str
    run_type_id: int
    live_run: str
    live_run_id: int
    scale_types: list[tuple[int, int]]  # (job type id, revision id)
    codes: list[tuple[int, int, str]]  # (job type id, revision id, name)
    cron_jobs: list[tuple[int, int]]  # (schedule id, job type id)
    past_hour_at: float  # the start of the past hour both databases hold the same work of


def create_base(database: Database) -> Base:
    """The project's types, code packages, cron jobs and live run, through the store as the
    API would make them."""
    run_checked([str(BIN / 'farm-coordinator'), *database.where, 'init'], timeout=300,
                env=clean_env())
    run_checked([str(BIN / 'farm-coordinator'), *database.where, 'user', 'add', 'bench',
                 '--password-stdin'], timeout=120, env=clean_env(), input=PASSWORD + '\n')
    from coordinator import cron
    from coordinator.models import JobType, JobTypeRevision, Project, Schedule
    from coordinator.store import code_packages, job_types, runs, schedules
    from coordinator.store import users
    peewee_db = open_peewee(database.url)
    try:
        principal = users.principal_for_password('bench', PASSWORD)
        for i in range(SCALE_TYPES):
            name = f'bench-{i:02d}'
            job_types.define(principal, name, '1.0.0',
                             job_types.Definition(command=['true']), {'priority': i % 3})
        for i in range(CODE_PACKAGES):
            code_packages.upload(principal, f'iron-{i:02d}',
                                 code_packages.Code(docker_image='busybox', command='true'), {})
        never = cron.trigger({'month': '1', 'day': '1', 'hour': '0', 'minute': '0'})
        for i in range(CRON_JOBS):
            schedules.add_job(principal, schedules.CronJob(
                name=f'cron-{i:02d}', job_class_string=f'bench.jobs.Job{i:02d}', trigger=never))
        live = runs.create_run(principal, LIVE_RUN_TASKS)
        project = Project.get_by_id(principal.project_id)

        def revision(type_id: int) -> int:
            return (JobTypeRevision.select(JobTypeRevision.id)
                    .where(JobTypeRevision.job_type == type_id)
                    .order_by(JobTypeRevision.revision_num.desc()).scalar())

        scale = [(t.id, revision(t.id)) for t in JobType.select().where(
            JobType.name.startswith('bench-'), JobType.version == '1.0.0').order_by(JobType.id)]
        codes = [(t.id, revision(t.id), t.name) for t in JobType.select().where(
            JobType.version == code_packages.VERSION).order_by(JobType.id)]
        crons = [(s.id, s.job_type_id) for s in Schedule.select().order_by(Schedule.id)]
        # between the end of the big database's prefilled span and now: the hour's work is
        # the same in both databases, a full page of each list about it
        past_hour_at = time.time() - SPAN_END_S / 2
        return Base(principal.project_id, project.hex_id,
                    job_types.run_type_id(principal.project_id), live.uuid, live.id,
                    scale, codes, crons, past_hour_at)
    finally:
        peewee_db.close()


def queue_waiting(database: Database, base: Base) -> None:
    """Work waiting now, queued after the finished rows as in a database in service (the
    newest ids), through the store."""
    from coordinator.store import iron_tasks, queue, users
    peewee_db = open_peewee(database.url)
    try:
        principal = users.principal_for_password('bench', PASSWORD)
        for i in range(SCALE_TYPES):
            queue.queue_tasks(principal, f'bench-{i:02d}', '1.0.0',
                              [queue.Order(payload=json.dumps({'n': n}))
                               for n in range(WAITING_PER_TYPE)])
        for _, _, name in base.codes:
            iron_tasks.queue_tasks(principal, [(name, queue.Order(payload='{}', label='waiting'))
                                               for _ in range(WAITING_PER_CODE)])
    finally:
        peewee_db.close()


# ---------------------------------------------------------------- prefill

TASK_COLUMNS = ('project_id, run_id, number, job_type_id, job_type_revision_id, status, '
                'priority, payload, timeout_s, max_tries, retry_delay_s, available_at, attempt, '
                'failed_tries, percent, msg, exit_code, error_category, schedule_id, fire_at, '
                'label, created_at, queued_at, started_at, ended_at, status_changed_at')
FAILED = f'i % {FAILED_EVERY} = {FAILED_EVERY - 1}'


def numbers(kind: str, first: int, count: int) -> tuple[str, str]:
    """(WITH clause, FROM item) of the integers i = first .. first + count - 1."""
    last = int(first) + int(count) - 1  # ints written into the SQL, so no parameter moves
    if kind == 'sqlite':
        return (f'WITH RECURSIVE n(i) AS (SELECT {int(first)} UNION ALL SELECT i + 1 FROM n '
                f'WHERE i < {last}) ', 'n')
    return '', f'generate_series({int(first)}::bigint, {last}) AS n(i)'


def run_task_sql(kind: str, first: int, count: int, per_run: int = RUN_SIZE) -> str:
    """Tasks i of finished runs: run (first run id + i / per_run), number i % per_run.

    Parameters: project, first run id, run type, (t0, step) x 5."""
    with_, from_ = numbers(kind, first, count)
    return (f'{with_}INSERT INTO task ({TASK_COLUMNS}) SELECT ?, ? + i / {int(per_run)}, '
            f"i % {int(per_run)}, ?, NULL, CASE WHEN {FAILED} THEN 'error' ELSE 'complete' END, "
            '0, NULL, NULL, NULL, NULL, 0, 1, 0, 100, NULL, '
            f'CASE WHEN {FAILED} THEN 1 ELSE 0 END, '
            f"CASE WHEN {FAILED} THEN 'ALGORITHM' ELSE NULL END, NULL, NULL, NULL, "
            '? + i * ?, ? + i * ?, ? + i * ? + 1, ? + i * ? + 2, ? + i * ? + 2 '
            f'FROM {from_}')


def queued_task_sql(kind: str, first: int, count: int, t0: float, step: float) -> str:
    """Finished queued work i of kind i % 40 (bench_kind: 20 job types, 10 code packages,
    10 cron jobs), created in order over the span; code packages' tasks carry a label.

    Parameter: project."""
    with_, from_ = numbers(kind, first, count)
    created = f'({float(t0)!r} + i * {float(step)!r})'
    return (f'{with_}INSERT INTO task ({TASK_COLUMNS}) SELECT ?, NULL, NULL, k.job_type_id, '
            f"k.revision_id, CASE WHEN {FAILED} THEN 'error' ELSE 'complete' END, "
            "k.priority, '{\"n\": ' || CAST(i AS TEXT) || '}', 3600, 3, 0, 0, 1, 0, 100, NULL, "
            f'CASE WHEN {FAILED} THEN 1 ELSE 0 END, '
            f"CASE WHEN {FAILED} THEN 'ALGORITHM' ELSE NULL END, k.schedule_id, "
            f'CASE WHEN k.schedule_id IS NULL THEN NULL ELSE {created} END, '
            "CASE WHEN k.labelled = 1 THEN 'batch-' || CAST(i / 100000 AS TEXT) END, "
            f'{created}, {created}, {created} + 1, {created} + 2, {created} + 2 '
            f'FROM {from_} JOIN bench_kind k ON k.k = i % 40')


def sql_on(peewee_db):
    """A function running SQL written with `?` placeholders on `peewee_db`."""
    def sql(text: str, params=()):
        if peewee_db.param != '?':  # psycopg2: % is its own, ? is %s
            text = text.replace('%', '%%').replace('?', peewee_db.param)
        return peewee_db.execute_sql(text, params)
    return sql


def create_kinds(sql, base: Base) -> None:
    """The temporary table bench_kind that queued_task_sql draws each row's kind from."""
    kinds = ([(type_id, rev, None, 0, i % 3) for i, (type_id, rev) in enumerate(base.scale_types)]
             + [(type_id, rev, None, 1, 0) for type_id, rev, _ in base.codes]
             + [(type_id, None, schedule_id, 0, 0) for schedule_id, type_id in base.cron_jobs])
    sql('CREATE TEMPORARY TABLE bench_kind (k INTEGER PRIMARY KEY, job_type_id INTEGER, '
        'revision_id INTEGER, schedule_id INTEGER, labelled INTEGER, priority INTEGER)')
    for k, row in enumerate(kinds):
        sql('INSERT INTO bench_kind VALUES (?, ?, ?, ?, ?, ?)', (k, *row))


def add_past_hour(database: Database, base: Base) -> None:
    """PAST_HOUR_ROWS finished tasks of every kind created in the hour at base.past_hour_at,
    in either database, so that requests about that hour answer as much from both."""
    peewee_db = open_peewee(database.url)
    sql = sql_on(peewee_db)
    try:
        create_kinds(sql, base)
        with peewee_db.atomic():
            sql(queued_task_sql(database.kind, 0, PAST_HOUR_ROWS, base.past_hour_at,
                                3600 / PAST_HOUR_ROWS), (base.project_id,))
        sql('DROP TABLE bench_kind')
    finally:
        peewee_db.close()


def shares(rows: int) -> tuple[int, int, int]:
    """How `rows` task rows are shared: (the live run's done, queued work's, finished runs')."""
    live_done = min(LIVE_RUN_TASKS // 10, rows // 10)
    queued_rows = (rows - live_done) * 3 // 10
    return live_done, queued_rows, rows - live_done - queued_rows


def insert_runs(peewee_db, base: Base, run_rows: int, t0: float) -> tuple[int, int]:
    """The finished runs of `run_rows` tasks in all (their rows, not their tasks'), created
    over the span from `t0`; the (first, last) of their ids."""
    sql = sql_on(peewee_db)
    run_count = -(-run_rows // RUN_SIZE)
    with peewee_db.atomic():
        for r in range(run_count):
            count = min(RUN_SIZE, run_rows - r * RUN_SIZE)
            failed = len(range(FAILED_EVERY - 1, count, FAILED_EVERY))
            created = t0 + r * SPAN_S / run_count
            sql('INSERT INTO run (uuid, project_id, owner_id, job_type_id, num_tasks, '
                'next_number, running_count, done_count, failed_count, percent_sum, '
                'deleting, created_at, started_at, last_ended_at, max_tries, retry_delay_s, '
                'has_inputs, cancelled_count, loading, name) VALUES (?, ?, NULL, ?, ?, ?, 0, '
                '?, ?, ?, ?, ?, ?, ?, 3, 0, ?, 0, ?, ?)',
                (uuid.uuid4().hex, base.project_id, base.run_type_id, count, count,
                 count - failed, failed, 100.0 * count, False, created, created,
                 created + SPAN_S / run_count, False, False, f'big-{r:05d}'))
    return sql("SELECT MIN(id), MAX(id) FROM run WHERE name LIKE 'big-%'").fetchone() \
        if run_count else (0, -1)


def add_runs_alone(database: Database, base: Base, rows: int) -> None:
    """The big database's finished runs, as rows without their tasks: the runs lists then
    answer as much from both databases, and what differs is the task table's size."""
    peewee_db = open_peewee(database.url)
    try:
        insert_runs(peewee_db, base, shares(rows)[2], time.time() - SPAN_END_S - SPAN_S)
    finally:
        peewee_db.close()


def prefill(database: Database, base: Base, rows: int) -> dict:
    """`rows` finished task rows beside the base, as the store would have left them."""
    peewee_db = open_peewee(database.url)
    started = time.perf_counter()
    kind, now = database.kind, time.time()
    t0 = now - SPAN_END_S - SPAN_S
    sql = sql_on(peewee_db)
    try:
        if kind == 'sqlite':
            sql('PRAGMA synchronous=OFF')  # a throwaway database: speed over durability
            sql('PRAGMA cache_size=-1000000')  # 1 GB: the indexes' pages stay in memory
        live_done, queued_rows, run_rows = shares(rows)
        run_count = -(-run_rows // RUN_SIZE)
        first_run, last_run = insert_runs(peewee_db, base, run_rows, t0)
        if last_run - first_run + 1 != run_count:
            raise RuntimeError('the prefilled runs did not get consecutive ids')
        step = SPAN_S / max(run_rows, 1)
        for first in range(0, run_rows, CHUNK_ROWS):
            count = min(CHUNK_ROWS, run_rows - first)
            with peewee_db.atomic():
                sql(run_task_sql(kind, first, count), (base.project_id, first_run,
                                         base.run_type_id, *(t0, step) * 5))
            print(f'  {database.name}: {first + count:,} of {run_rows:,} run tasks '
                  f'({time.perf_counter() - started:.0f} s)', flush=True)
        with peewee_db.atomic():
            # the live run's first tenth is done; the rest is claimed as the agent goes
            failed = len(range(FAILED_EVERY - 1, live_done, FAILED_EVERY))
            sql(run_task_sql(kind, 0, live_done, LIVE_RUN_TASKS),
                (base.project_id, base.live_run_id, base.run_type_id,
                 *(now - 3600, 3600 / max(live_done, 1)) * 5))
            sql('UPDATE run SET next_number = ?, done_count = ?, failed_count = ?, '
                'percent_sum = ?, started_at = ?, last_ended_at = ? WHERE id = ?',
                (live_done, live_done - failed, failed, 100.0 * live_done, now - 3600, now,
                 base.live_run_id))
        create_kinds(sql, base)
        step = SPAN_S / max(queued_rows, 1)
        for first in range(0, queued_rows, CHUNK_ROWS):
            count = min(CHUNK_ROWS, queued_rows - first)
            with peewee_db.atomic():
                sql(queued_task_sql(kind, first, count, t0, step), (base.project_id,))
            print(f'  {database.name}: {first + count:,} of {queued_rows:,} queued tasks '
                  f'({time.perf_counter() - started:.0f} s)', flush=True)
        sql('DROP TABLE bench_kind')
        inserted = time.perf_counter() - started
    finally:
        peewee_db.close()
    return {'rows': rows, 'run_rows': run_rows, 'runs': run_count, 'queued_rows': queued_rows,
            'live_done': live_done, 'insert_s': inserted}


def analyse(peewee_db, kind: str) -> None:
    """Statistics as a database in service has them (PostgreSQL's autovacuum also sets the
    visibility map that index-only scans need)."""
    if kind == 'sqlite':
        peewee_db.execute_sql('ANALYZE')
        peewee_db.execute_sql('PRAGMA wal_checkpoint(TRUNCATE)')  # the server starts clean
    else:
        peewee_db.connect(reuse_if_open=True)
        peewee_db.connection().autocommit = True
        peewee_db.execute_sql('VACUUM ANALYZE')


# ---------------------------------------------------------------- requests

class Agent:
    """A registered worker that claims BATCH tasks a request and reports them on the next,
    as `farmworker serve` (key `id`) and `farmworker run` (key `number`) do."""

    def __init__(self, session: requests.Session, url: str, serves: dict, claim_path: str,
                 key: str):
        self.session, self.url, self.key = session, url, key
        self.uuid = uuid.uuid4().hex
        self.claim_path, self.held, self.serves = claim_path, [], serves
        reply = session.post(url + '/farm/v1/workers', json={
            'uuid': self.uuid, 'hostname': socket.gethostname(), 'pid': os.getpid(),
            'slots': BATCH, 'serves': serves}, timeout=30)
        reply.raise_for_status()

    def heartbeat(self, session: requests.Session) -> None:
        held = [list(pair) for pair in self.held]
        body = ({'held': held} if 'job_types' in self.serves
                else {'run': self.serves['run'], 'running': held})
        session.post(f'{self.url}/farm/v1/workers/{self.uuid}/heartbeat',
                     json={'load': 0.0, 'draining': False, **body},
                     timeout=30).raise_for_status()

    def claim(self) -> requests.Response:
        body = {'worker_uuid': self.uuid, 'max_tasks': BATCH}
        if 'job_types' in self.serves:
            body.update(job_types=None, known_revisions=[])
        if self.held:
            body['results'] = [{self.key: key, 'attempt': attempt, 'outcome': 'complete',
                                'exit_code': 0, 'log_tail': ''} for key, attempt in self.held]
        reply = self.session.post(self.url + '/farm/v1' + self.claim_path, json=body,
                                  timeout=30)
        if reply.status_code == 200:
            self.held = [(task[self.key], task['attempt']) for task in reply.json()['tasks']]
        return reply


@dataclasses.dataclass
class Coordinator:
    database: Database
    base: Base
    server: Server
    session: requests.Session
    serve_agent: Agent
    run_agent: Agent


def start(database: Database, base: Base, serve_args: list[str]) -> Coordinator:
    port = free_port()
    server = Server([str(BIN / 'farm-coordinator'), *database.where, 'serve', *serve_args,
                     '--bind', f'127.0.0.1:{port}'], port, database.workdir, clean_env())
    server.wait_ready()
    token = subprocess.run([str(BIN / 'farm-coordinator'), *database.where, 'token', 'create',
                            'bench', '--scope', 'user'], capture_output=True, text=True,
                           timeout=120, env=clean_env(), check=True).stdout.strip()
    session = requests.Session()
    session.headers['Authorization'] = f'Bearer {token}'
    serve = Agent(session, server.url, {'job_types': None}, '/claim', 'id')
    run = Agent(session, server.url, {'run': base.live_run}, f'/runs/{base.live_run}/claim',
                'number')
    return Coordinator(database, base, server, session, serve, run)


def requests_to_time(base: Base, now: float) -> dict:
    """name -> (method, path) of every request timed; `now` places the time windows."""
    def iso(instant: float) -> str:
        return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(instant))

    iron = f'/2/projects/{base.project_hex}/tasks'
    code = base.codes[0][2]
    day = base.past_hour_at  # as much work of its first hour in both databases
    return {
        'serve claim+report': 'serve',
        'run claim+report': 'run',
        'farm run status': f'/farm/v1/runs/{base.live_run}',
        'taskfarm run status': f'/api/runs/{base.live_run}',
        'job-type status': '/v6/job-types/status/',
        'tui overview': '/farm/v1/overview',
        'tui runs (active)': '/farm/v1/runs?state=active&limit=500&offset=0',
        'tui runs (all)': '/farm/v1/runs?state=all&limit=500&offset=0',
        'tui workers': '/farm/v1/workers?state=all&limit=500&offset=0',
        'tui job types (3 h)': '/v6/job-types/status/?is_active=true&started=PT3H'
                               '&page=1&page_size=1000',
        'tui queues': '/farm/v1/queue',
        'tui schedules': '/farm/v1/schedules',
        'tui run tasks': f'/farm/v1/runs/{base.live_run}/tasks?after=-1&limit=100',
        'iron tasks by code_name': f'{iron}?code_name={code}',
        'iron tasks by label': f'{iron}?label=batch-0',
        'iron tasks by time': f'{iron}?code_name={code}&from_time={int(day)}'
                              f'&to_time={int(day + 86400)}',
        'nds executions (last 1 h)': f'/api/v1/executions?time_range_start={iso(now - 3600)}',
        'nds executions (past 1 h)': f'/api/v1/executions?time_range_start={iso(day)}'
                                     f'&time_range_end={iso(day + 3600)}',
    }


def time_one(coordinator: Coordinator, what: str) -> tuple[float, int]:
    """Seconds the request took, and the bytes of its answer."""
    started = time.perf_counter()
    if what == 'serve':
        reply = coordinator.serve_agent.claim()
    elif what == 'run':
        reply = coordinator.run_agent.claim()
    else:
        reply = coordinator.session.get(coordinator.server.url + what, timeout=60)
    elapsed = time.perf_counter() - started
    if elapsed > SLOW_S:  # a request this long can outlast an agent's heartbeat period
        print(f'slow: {what} on {coordinator.database.name} took {elapsed:.1f} s', flush=True)
    if reply.status_code != 200:
        raise RuntimeError(f'{what} on {coordinator.database.name}: {reply.status_code} '
                           f'{reply.text[:300]}')
    if what in ('serve', 'run') and not reply.json()['tasks']:
        raise RuntimeError(f'{what} claim on {coordinator.database.name} got no task')
    return elapsed, len(reply.content)


class Heartbeats(threading.Thread):
    """Every agent's heartbeat every 15 s from a thread of its own, as a farmworker sends it
    while it works, whatever the requests timed meanwhile.

    Heartbeats sent only before the requests to an agent's own coordinator left the other
    coordinator's agents silent for a whole round of one request: 75 job-type status
    requests of 7 s each on the 10^7 database, and the agents were declared lost (409).
    """

    def __init__(self, coordinators: list[Coordinator]):
        super().__init__(name='heartbeats', daemon=True)
        self.agents = [(c, agent) for c in coordinators for agent in (c.serve_agent, c.run_agent)]
        self.stopped, self.failure = threading.Event(), None

    def run(self) -> None:
        sessions = {}
        while not self.stopped.wait(HEARTBEAT_S):
            for c, agent in self.agents:
                session = sessions.setdefault(c.database.name, requests.Session())
                session.headers.update(c.session.headers)
                try:
                    agent.heartbeat(session)
                except requests.RequestException as exc:
                    self.failure = f'heartbeat on {c.database.name}: {exc}'


def print_warnings(coordinator: Coordinator) -> None:
    """The last warnings and errors of a coordinator's log (e.g. why it declared an agent lost)."""
    lines = coordinator.server.log.read_text(errors='replace').splitlines()
    noted = [line for line in lines if 'WARNING' in line or 'ERROR' in line or 'lost' in line][-30:]
    print(f'{coordinator.database.name} coordinator log:', *noted, sep='\n  ', flush=True)


def rss_bytes(server: Server) -> int:
    """Resident memory of the gunicorn master and its workers."""
    total = server.master.memory_info().rss
    for child in server.master.children(recursive=True):
        try:
            total += child.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def measure(coordinators: list[Coordinator], count: int, rounds: int,
            rss_mid: dict) -> dict:
    """Every request `count` times on each coordinator, in `rounds` alternating rounds;
    each coordinator's RSS after the first round goes into `rss_mid`."""
    now = time.time()
    timed = {c.database.name: requests_to_time(c.base, now) for c in coordinators}
    names = list(timed[coordinators[0].database.name])
    latencies = {(name, c.database.name): [] for name in names for c in coordinators}
    sizes = {}
    beats = Heartbeats(coordinators)
    beats.start()
    try:
        for c in coordinators:  # warm up: connections, caches, the first plan of each statement
            for what in timed[c.database.name].values():
                time_one(c, what)
        per_round = -(-count // rounds)
        _rounds(coordinators, names, timed, latencies, sizes, per_round, rounds, rss_mid, beats)
    finally:
        beats.stopped.set()
    return {name: {c.database.name: (latencies[(name, c.database.name)],
                                     sizes[(name, c.database.name)]) for c in coordinators}
            for name in names}


def _rounds(coordinators, names, timed, latencies, sizes, per_round, rounds, rss_mid, beats):
    for r in range(rounds):
        order = coordinators if r % 2 == 0 else coordinators[::-1]
        for name in names:
            for c in order:
                what = timed[c.database.name][name]
                for _ in range(per_round):
                    elapsed, sizes[(name, c.database.name)] = time_one(c, what)
                    latencies[(name, c.database.name)].append(elapsed)
                    if beats.failure:
                        raise RuntimeError(beats.failure)
        if r == 0:  # SQLite's page caches fill in the first round; then RSS should stay
            rss_mid.update({c.database.name: rss_bytes(c.server) / 2**20 for c in coordinators})


# ---------------------------------------------------------------- report

def summarise(kind: str, latencies: dict, rss: dict, prefilled: dict) -> dict:
    rows = []
    for name, by_db in latencies.items():
        (empty, empty_bytes), (big, big_bytes) = by_db['empty'], by_db['big']
        row = {'request': name, 'empty_bytes': empty_bytes, 'big_bytes': big_bytes,
               'empty_median_ms': 1000 * statistics.median(empty),
               'empty_p99_ms': 1000 * percentile(empty, 0.99),
               'big_median_ms': 1000 * statistics.median(big),
               'big_p99_ms': 1000 * percentile(big, 0.99), 'count': len(big)}
        row['ratio'] = row['big_median_ms'] / row['empty_median_ms']
        row['met'] = row['ratio'] <= TARGET_RATIO
        rows.append(row)
    return {'database': kind, 'prefill': prefilled, 'rss_mb': rss, 'requests': rows,
            'target_ratio': TARGET_RATIO}


def print_table(result: dict) -> None:
    prefill = result['prefill']
    print(f"\n{result['database']}: {prefill['rows']:,} rows prefilled in "
          f"{prefill['insert_s']:.0f} s (+ {prefill['analyze_s']:.0f} s ANALYZE); median and p99 "
          f"of {result['requests'][0]['count']} requests each")
    print('| request | empty median / p99 ms | big median / p99 ms | big / empty | target | met '
          '| answer bytes empty / big |')
    print('|---|---|---|---|---|---|---|')
    for row in result['requests']:
        print(f"| {row['request']} | {row['empty_median_ms']:.2f} / {row['empty_p99_ms']:.2f} | "
              f"{row['big_median_ms']:.2f} / {row['big_p99_ms']:.2f} | {row['ratio']:.2f} | "
              f"<= {TARGET_RATIO} | {'yes' if row['met'] else 'NO'} | "
              f"{row['empty_bytes']:,} / {row['big_bytes']:,} |")
    for name, (before, mid, after) in result['rss_mb'].items():
        print(f'| RSS {name} (master + workers), MB | before {before:.0f} | after round 1 '
              f'{mid:.0f} | after {after:.0f} | {after / mid:.2f} after / round 1 | | |')


def figures_of(result: dict) -> list[Figure]:
    """Each request's big / empty ratio against the target, and the big coordinator's RSS."""
    kind, rows = result['database'], result['prefill']['rows']
    found = [Figure(f"{kind} {row['request']}: big / empty median", row['ratio'], '×', '<=',
                    TARGET_RATIO, f"{row['big_median_ms']:.2f} vs {row['empty_median_ms']:.2f} ms")
             for row in result['requests']]
    _, mid, after = result['rss_mb']['big']
    found.append(Figure(f'{kind} RSS after / after round 1, big database', after / mid, '×',
                        '<=', RSS_GROWTH, f'{after:.0f} MB, {rows:,} rows'))
    return found


def run_database(kind: str, args) -> dict:
    with tempfile.TemporaryDirectory(prefix='bench-big-') as tmp:
        make = sqlite_database if kind == 'sqlite' else postgres_database
        databases = [make(name, Path(tmp) / name) for name in ('empty', 'big')]
        coordinators = []
        try:
            bases = {d.name: create_base(d) for d in databases}
            prefilled = prefill(databases[1], bases['big'], args.rows)
            add_runs_alone(databases[0], bases['empty'], args.rows)
            for d in databases:
                add_past_hour(d, bases[d.name])
                queue_waiting(d, bases[d.name])
                peewee_db = open_peewee(d.url)
                started = time.perf_counter()
                analyse(peewee_db, kind)
                prefilled.setdefault('analyze_s', 0.0)
                if d.name == 'big':
                    prefilled['analyze_s'] = time.perf_counter() - started
                peewee_db.close()
            print(f"{kind}: prefilled {args.rows:,} rows in {prefilled['insert_s']:.0f} s, "
                  f"ANALYZE {prefilled['analyze_s']:.0f} s", flush=True)
            coordinators = [start(d, bases[d.name], args.serve_args) for d in databases]
            before = {c.database.name: rss_bytes(c.server) / 2**20 for c in coordinators}
            mid = {}
            try:
                latencies = measure(coordinators, args.requests, args.rounds, mid)
            except RuntimeError:  # what the coordinators said about it, before they go
                for c in coordinators:
                    print_warnings(c)
                raise
            rss = {c.database.name: (before[c.database.name], mid[c.database.name],
                                     rss_bytes(c.server) / 2**20) for c in coordinators}
        finally:
            for c in coordinators:
                c.server.stop()
            for d in databases:
                drop_database(d)
    return summarise(kind, latencies, rss, prefilled)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--rows', type=int, default=10_000_000,
                        help='finished task rows of the big database (default 10^7)')
    parser.add_argument('--quick', action='store_true', help='10^5 rows, 100 requests each')
    parser.add_argument('--postgres', action='store_true',
                        help='PostgreSQL too (the server scripts/services.sh starts)')
    parser.add_argument('--skip-sqlite', action='store_true', help='PostgreSQL only')
    parser.add_argument('--requests', type=int, default=300,
                        help='of each kind on each database (default 300)')
    parser.add_argument('--rounds', type=int, default=4,
                        help='alternating rounds the requests are split into (default 4)')
    parser.add_argument('--serve-args', default='', type=lambda text: text.split(),
                        help='farm-coordinator serve flags (default: none, its defaults)')
    add_json_option(parser)
    args = parser.parse_args()
    if args.quick:
        args.rows, args.requests = 100_000, min(args.requests, 100)
    return args


def main() -> int:
    args = parse_args()
    print(f'bench_big_tables: {args.rows:,} rows, {args.requests} requests of each kind, '
          f'{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}', flush=True)
    kinds = ['sqlite'] * (not args.skip_sqlite) + ['postgres'] * args.postgres
    found, failed = [], []
    for kind in kinds:
        try:
            result = run_database(kind, args)
        except Exception:  # one database's failure must not lose the other's figures
            import traceback
            traceback.print_exc()
            failed.append(kind)
            found.append(Figure(f'{kind} run', None, note='failed: see the traceback above'))
            continue
        print_table(result)
        found += figures_of(result)
    print(f'\nload average at the end: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    report('big_tables', found, args.json)
    return 1 if failed else 0  # a missed target is a finding, not a failed run


if __name__ == '__main__':
    sys.exit(main())
