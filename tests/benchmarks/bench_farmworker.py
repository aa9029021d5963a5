"""Dispatch throughput of the farmworker protocol: coordinator and agents together on this machine.

`.venv/bin/python tests/benchmarks/bench_farmworker.py` runs, each `--repeats` times with a
fresh database and a fresh `farm-coordinator serve`:

  noop-sqlite / noop-postgres  K agents with an in-process no-op executor (defined here, not a
                               product switch): every task it starts is reported finished with
                               exit code 0 at the next poll, so the figure is coordinator +
                               protocol + agent loop (claim, complete, the heartbeat that rides
                               on both)
  true-sqlite / true-postgres  the same agents with the real SubprocessExecutor running `true`
  spawn                        the baseline for `true`: K processes calling subprocess.run(['true'])
                               in a loop, what the machine can spawn with the same parallelism

Each agent process builds `farmworker.agent.Agent` directly, with the real
`farmworker.client.Client`. A run of M tasks is created with POST /farm/v1/runs; the clock
runs from the start signal until GET /farm/v1/runs/<uuid> reports done == M. CPU is user+sys
from psutil: the gunicorn tree (as in bench_taskfarm.py), the PostgreSQL processes that serve
the benchmark database, the agents themselves and (for `true`) their reaped children. Every run
is checked: the run's counters (done == M, nothing failed or running), the tasks the agents
started (none twice, none missing) and the task rows in the database (M rows, all complete,
attempt 1). It prints a line per run, a markdown table of medians and the targets:
noop >= 20,000 tasks/s on SQLite and >= 5,000 on PostgreSQL; true within 2x of spawn; then
the figures (figures.py; `--json PATH` also writes them). It exits 1 if a run did not check out.
"""

import argparse
import dataclasses
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psutil

from coordinator.states import TaskState
from farmworker.executors import Finished, SubprocessExecutor

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when not run as a script
from bench_taskfarm import (  # the server plumbing of the other benchmark
    BIN,
    PASSWORD,
    Server,
    busy_cpu,
    clean_env,
    free_port,
    init_coordinator,
    run_checked,
    start_all,
    start_coordinator,
)
from figures import Figure, add_json_option, report  # noqa: E402

POSTGRES_URL = 'postgresql://farm:farm@127.0.0.1:5432/farm_bench'
POLL_RUN_S = 0.02  # how often the parent asks whether the run is done


# ---------------------------------------------------------------- executors

class NoopExecutor:
    """SubprocessExecutor's interface with nothing behind: a task ends, exit 0, at the next poll."""

    def __init__(self) -> None:
        self._tasks: dict[tuple[int, int], None] = {}
        self.started: list[int] = []  # every task number started, for the duplicate check

    def start(self, number, attempt, argv, env, task_dir, timeout_s, cwd=None) -> None:
        if (number, attempt) in self._tasks:
            raise ValueError(f'task {number} attempt {attempt} is already running')
        self._tasks[number, attempt] = None
        self.started.append(number)

    def poll(self) -> list[Finished]:
        done = [Finished(number, attempt, 0, False, False, 0.0, Path(os.devnull), '')
                for number, attempt in self._tasks]
        self._tasks.clear()
        return done

    def progress(self) -> dict:
        return {}

    def running(self) -> list[tuple[int, int]]:
        return list(self._tasks)

    def terminate_all(self) -> None:
        pass  # every task ends at the next poll anyway

    kill_all = terminate_all
    kill_grace_s = 0.0

    def __len__(self) -> int:
        return len(self._tasks)


class CountingSubprocessExecutor(SubprocessExecutor):
    """The real executor, remembering every task number it started."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.started: list[int] = []

    def start(self, number, attempt, argv, env, task_dir, timeout_s, cwd=None) -> None:
        super().start(number, attempt, argv, env, task_dir, timeout_s, cwd)
        self.started.append(number)


# ---------------------------------------------------------------- agents

@dataclasses.dataclass
class AgentSpec:
    url: str
    token: str
    run: str
    executor: str  # 'noop' or 'true'
    slots: int
    poll_s: float
    log_dir: str


def agent_process(spec: AgentSpec, ready, go, results) -> None:
    """One agent: build it, wait for the start signal, run it until the run is done."""
    import logging

    from farmworker.agent import Agent
    from farmworker.client import Client
    from farmworker.config import AgentConfig, Node

    logging.basicConfig(level=logging.WARNING, format='agent %(process)d: %(message)s')

    class TimedClient(Client):
        """The real client, counting its calls and the wall time spent in them."""

        calls, wait_s = 0, 0.0

        def call(self, *args, **kwargs):
            started = time.perf_counter()
            try:
                return super().call(*args, **kwargs)
            finally:
                self.calls += 1
                self.wait_s += time.perf_counter() - started

    stats = {'error': ''}
    is_ready = False
    try:
        client = TimedClient(spec.url, spec.token)
        log_dir = Path(spec.log_dir)
        executor = (NoopExecutor() if spec.executor == 'noop'
                    else CountingSubprocessExecutor(log_dir / spec.run))
        config = AgentConfig(run=spec.run, command=['true'], slots=spec.slots, log_dir=log_dir,
                             poll_s=spec.poll_s, idle_poll_s=0.05, max_idle_s=60.0)
        agent = Agent(config, client, executor, Node(cpus=spec.slots))
        ready.put(None)
        is_ready = True
        if not go.wait(120):
            raise RuntimeError('no start signal')
        cpu0, children0, wall0 = time.process_time(), _children_cpu(), time.perf_counter()
        agent.run()
        stats.update(cpu=time.process_time() - cpu0, children_cpu=_children_cpu() - children0,
                     wall=time.perf_counter() - wall0, calls=client.calls, wait_s=client.wait_s,
                     started=executor.started)
        client.close()
    except Exception as exc:  # report, never leave the parent waiting
        stats['error'] = f'{type(exc).__name__}: {exc}'[:300]
        if not is_ready:
            ready.put(stats['error'])
    results.put(stats)


def _children_cpu() -> float:
    times = os.times()
    return times.children_user + times.children_system


def spawn_process(count: int, ready, go, results) -> None:
    """The baseline: `true` spawned and waited for, one at a time, `count` times."""
    ready.put(None)
    go.wait(120)
    cpu0, children0 = time.process_time(), _children_cpu()
    for _ in range(count):
        subprocess.run(['true'], check=True)
    results.put({'cpu': time.process_time() - cpu0, 'children_cpu': _children_cpu() - children0})


# ---------------------------------------------------------------- coordinators

class Target:
    """A database for the coordinator: a fresh SQLite file per run, or one wiped PostgreSQL db."""

    def __init__(self, kind: str, postgres_url: str):
        self.kind, self.postgres_url = kind, postgres_url

    def start(self, workdir: Path, serve_args: list[str]) -> tuple[Server, str]:
        """A fresh database with user `bench`, a user token, and the coordinator serving it."""
        if self.kind == 'sqlite':
            init_coordinator(workdir)
            return start_coordinator(workdir, serve_args), self._token(['--data-dir', str(workdir)])
        # bench_taskfarm's helpers only know --data-dir: the same steps with --database-url
        self.wipe()
        farm = [str(BIN / 'farm-coordinator'), '--database-url', self.postgres_url]
        run_checked([*farm, 'init'], timeout=120, env=clean_env())
        run_checked([*farm, 'user', 'add', 'bench', '--password-stdin'], timeout=120,
                    env=clean_env(), input=PASSWORD + '\n')
        port = free_port()
        server = Server([*farm, 'serve', *serve_args, '--bind', f'127.0.0.1:{port}'], port,
                        workdir, clean_env())
        return server, self._token(['--database-url', self.postgres_url])

    @staticmethod
    def _token(where: list[str]) -> str:
        done = subprocess.run([str(BIN / 'farm-coordinator'), *where, 'token', 'create', 'bench',
                               '--scope', 'user'], capture_output=True, text=True, timeout=120,
                              env=clean_env(), check=True)
        return done.stdout.strip()

    def url(self, workdir: Path) -> str:
        return f'sqlite:///{workdir}/farm.db' if self.kind == 'sqlite' else self.postgres_url

    def wipe(self) -> None:
        database = _open(self.postgres_url)
        database.execute_sql('DROP SCHEMA public CASCADE')
        database.execute_sql('CREATE SCHEMA public')
        database.close()

    def db_processes(self) -> 'DbCpu':
        return DbCpu(urllib.parse.urlsplit(self.postgres_url).path.lstrip('/')
                     if self.kind == 'postgres' else None)


def _open(url: str):
    from coordinator import db
    database = db.open_database(url)
    database.connect()
    if url.startswith('postgres'):
        database.connection().autocommit = True
    return database


class DbCpu:
    """CPU of the PostgreSQL backends of one database plus the shared writer processes.

    A backend that exits inside the window is lost; the coordinator keeps its connections,
    so none does. With `database` None (SQLite, in the gunicorn workers) it is always 0.
    """

    SHARED = ('walwriter', 'checkpointer', 'background writer', 'autovacuum')

    def __init__(self, database: str | None):
        self.database = database

    def snapshot(self) -> dict[int, float]:
        if self.database is None:
            return {}
        cpu = {}
        for proc in psutil.process_iter(['name', 'cmdline']):
            try:
                title = ' '.join(proc.info['cmdline'] or [])
                if not title.startswith('postgres:'):
                    continue
                if f' {self.database} ' in f' {title} ' or any(s in title for s in self.SHARED):
                    times = proc.cpu_times()
                    cpu[proc.pid] = times.user + times.system
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return cpu

    @staticmethod
    def delta(before: dict[int, float], after: dict[int, float]) -> float:
        return sum(value - before.get(pid, 0.0) for pid, value in after.items())


# ---------------------------------------------------------------- one measured run

@dataclasses.dataclass
class Window:
    """A measured stretch of agents at work: its wall time, everyone's CPU, the agents' stats."""

    wall: float
    server_cpu: float
    db_cpu: float
    workers_cpu: dict[int, float]  # each gunicorn worker's
    system_cpu: float  # the whole machine's busy CPU
    own_cpu: float  # this process's
    stats: list[dict]  # what each agent process put on `results`
    timed_out: bool


def measure(server: Server, db_cpu: 'DbCpu', procs: list, ready, go, results, finished,
            max_seconds: float, poll_s: float, stopped=lambda: None) -> Window:
    """Start the agent processes together and clock them until `finished()` says so (or
    `max_seconds` pass); `stopped()` is called the moment the clock stops."""
    timed_out = False
    try:
        start_all(procs, ready, 'agent')
        time.sleep(0.3)  # let the spawned interpreters settle before the clock starts
        server0, db0, system0, own0 = (server.cpu_seconds(), db_cpu.snapshot(), busy_cpu(),
                                       time.process_time())
        workers0 = worker_cpu(server)
        started = time.perf_counter()
        go.set()
        deadline = started + max_seconds
        while not finished():
            if time.perf_counter() > deadline:
                timed_out = True
                break
            time.sleep(poll_s)
        wall = time.perf_counter() - started
        stopped()
        server_cpu, pg_cpu = server.cpu_seconds() - server0, db_cpu.delta(db0, db_cpu.snapshot())
        workers_cpu = {pid: cpu - workers0.get(pid, 0.0) for pid, cpu in worker_cpu(server).items()}
        system_cpu, own_cpu = busy_cpu() - system0, time.process_time() - own0
        stats = [results.get(timeout=30 if not timed_out else 5) for _ in procs]
    finally:
        for proc in procs:
            proc.join(10 if go.is_set() else 0)
            if proc.is_alive():
                proc.terminate()  # only our own agent processes, by object
                proc.join(5)
    return Window(wall, server_cpu, pg_cpu, workers_cpu, system_cpu, own_cpu, stats, timed_out)


def drive(server: Server, token: str, target: Target, workdir: Path, executor: str, tasks: int,
          args) -> dict:
    """Create a run, let the agents work it, measure, and check the outcome."""
    from farmworker.client import Client

    client = Client(server.url, token)
    run = client.call('POST', '/runs', {'num_tasks': tasks})['uuid']
    slots = args.batch if executor == 'noop' else args.true_slots
    poll_s = args.poll if executor == 'noop' else args.true_poll
    spec = AgentSpec(server.url, token, run, executor, slots, poll_s, str(workdir / 'logs'))
    ctx = multiprocessing.get_context('spawn')  # clean agent processes, nothing inherited
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    # several coordinators over one database (bench_scale_out.py): agents spread over them
    urls = getattr(server, 'urls', [server.url])
    procs = [ctx.Process(target=agent_process,
                         args=(dataclasses.replace(spec, url=urls[i % len(urls)]), ready, go,
                               results))
             for i in range(args.agents)]
    status = {}

    def finished() -> bool:
        status.update(client.call('GET', f'/runs/{run}'))
        return status['done'] + status['failed'] >= tasks

    try:
        window = measure(server, target.db_processes(), procs, ready, go, results, finished,
                         args.max_seconds, POLL_RUN_S)
    finally:
        client.close()
    wall, server_cpu, pg_cpu = window.wall, window.server_cpu, window.db_cpu
    workers_cpu, system_cpu, own_cpu = window.workers_cpu, window.system_cpu, window.own_cpu
    stats, timed_out = window.stats, window.timed_out
    checker = Client(server.url, token)
    final = checker.call('GET', f'/runs/{run}')
    checker.close()
    errors = [s['error'] for s in stats if s['error']]
    good = [s for s in stats if not s['error']]
    started_numbers = [n for s in good for n in s['started']]
    agent_cpu = sum(s['cpu'] for s in good)
    task_cpu = sum(s['children_cpu'] for s in good)
    done = status.get('done', 0)  # when the clock stopped; the agents' figures cover all they ran
    if timed_out:
        errors.append(f'wall-clock cap of {args.max_seconds:g} s')
    result = {
        'tasks': done,
        'wall_s': wall,
        'tasks_s': done / wall,
        'req_s': sum(s['calls'] for s in good) / wall,
        'srv_cpu_s': server_cpu,
        'db_cpu_s': pg_cpu,
        'coord_us_task': 1e6 * (server_cpu + pg_cpu) / max(done, 1),
        'srv_us_task': 1e6 * server_cpu / max(done, 1),
        'agent_cpu_s': agent_cpu,
        'agent_us_task': 1e6 * agent_cpu / max(len(started_numbers), 1),
        'agent_wait': statistics.mean(s['wait_s'] / s['wall'] for s in good) if good else None,
        'task_cpu_s': task_cpu,
        'busy_cpu_s': system_cpu,
        'other_cpu_s': system_cpu - server_cpu - pg_cpu - agent_cpu - task_cpu - own_cpu,
        'agent_split': '/'.join(str(len(s['started'])) for s in good),
        'worker_split': '/'.join(f'{c:.1f}' for c in sorted(workers_cpu.values(), reverse=True)),
        'done': final['done'], 'failed': final['failed'], 'running': final['running'],
        'dups': len(started_numbers) - len(set(started_numbers)),
        'missing': len(set(range(tasks)) - set(started_numbers)),
        'errors': '; '.join(errors),
    }
    result.update(check_rows(target.url(workdir), run, tasks, server))
    return result


def worker_cpu(server: Server) -> dict[int, float]:
    """CPU of each gunicorn worker: with gthread an agent's connection stays on one worker."""
    cpu = {}
    for child in server.master.children():
        try:
            times = child.cpu_times()
            cpu[child.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return cpu


def check_rows(url: str, run: str, tasks: int, server: Server) -> dict:
    """The run's task rows: one per number, all complete, none claimed twice (attempt 1)."""
    server.stop()  # SQLite: read a quiet file; either way nothing writes any more
    database = _open(url)
    try:
        sql = ('SELECT count(*), count(DISTINCT t.number), max(t.attempt), '
               'sum(CASE WHEN t.status = ? THEN 1 ELSE 0 END) '
               'FROM task t JOIN run r ON r.id = t.run_id WHERE r.uuid = ?')
        rows, numbers, max_attempt, complete = database.execute_sql(
            sql.replace('?', database.param), (TaskState.COMPLETE.value, run)).fetchone()
    finally:
        database.close()
    return {'rows': rows, 'row_numbers': numbers, 'max_attempt': max_attempt or 0,
            'rows_complete': complete or 0}


def problems(result: dict, tasks: int) -> list[str]:
    """What is wrong with a run's outcome; empty when everything checks out."""
    wrong = []
    if result['errors']:
        wrong.append(result['errors'])
    for key, want in (('done', tasks), ('failed', 0), ('running', 0), ('dups', 0), ('missing', 0),
                      ('rows', tasks), ('row_numbers', tasks), ('rows_complete', tasks),
                      ('max_attempt', 1)):
        if result[key] != want:
            wrong.append(f'{key} {result[key]} (want {want})')
    return wrong


def run_once(target: Target, executor: str, tasks: int, args) -> dict:
    with tempfile.TemporaryDirectory(prefix='bench-fw-') as tmp:
        server = None
        try:
            server, token = target.start(Path(tmp), args.serve_args)
            server.wait_ready()
            result = drive(server, token, target, Path(tmp), executor, tasks, args)
            result['problems'] = '; '.join(problems(result, tasks))
            return result
        except Exception as exc:  # report the run as failed, go on with the others
            return {'problems': f'FAILED {type(exc).__name__}: {str(exc)[:300]}'}
        finally:
            if server is not None:
                server.stop()


def spawn_baseline(tasks: int, processes: int) -> dict:
    """How many `true` per second `processes` processes spawn and reap, one at a time each."""
    ctx = multiprocessing.get_context('spawn')
    ready, results, go = ctx.Queue(), ctx.Queue(), ctx.Event()
    counts = [tasks // processes + (i < tasks % processes) for i in range(processes)]
    procs = [ctx.Process(target=spawn_process, args=(n, ready, go, results)) for n in counts]
    for proc in procs:
        proc.start()
    for _ in procs:
        ready.get(timeout=120)
    time.sleep(0.3)
    system0, started = busy_cpu(), time.perf_counter()
    go.set()
    stats = [results.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - started
    system_cpu = busy_cpu() - system0
    for proc in procs:
        proc.join(10)
    agent_cpu, task_cpu = sum(s['cpu'] for s in stats), sum(s['children_cpu'] for s in stats)
    return {'tasks': tasks, 'wall_s': wall, 'tasks_s': tasks / wall, 'agent_cpu_s': agent_cpu,
            'agent_us_task': 1e6 * agent_cpu / tasks, 'task_cpu_s': task_cpu,
            'busy_cpu_s': system_cpu, 'other_cpu_s': system_cpu - agent_cpu - task_cpu,
            'problems': ''}


# ---------------------------------------------------------------- report

def describe(result: dict) -> str:
    if 'tasks_s' not in result:
        return result['problems']
    text = f"{result['tasks']} tasks in {result['wall_s']:.2f}s = {result['tasks_s']:,.0f} tasks/s"
    if 'srv_cpu_s' in result:
        postgres = f" + postgres {result['db_cpu_s']:.1f}s" if result['db_cpu_s'] else ''
        text += (f", coordinator {result['coord_us_task']:.0f} us CPU/task "
                 f"(gunicorn {result['srv_cpu_s']:.1f}s{postgres}), {result['req_s']:.0f} req/s, "
                 f"agents {result['agent_us_task']:.0f} us/task, agents waiting "
                 f"{100 * result['agent_wait']:.0f}% of the time, tasks per agent "
                 f"{result['agent_split']}, CPU s per gunicorn worker {result['worker_split']}")
    else:
        text += f", spawners {result['agent_us_task']:.0f} us CPU/task"
    text += (f", tasks' CPU {result['task_cpu_s']:.1f}s, busy {result['busy_cpu_s']:.1f}s "
             f"(other {result['other_cpu_s']:+.1f}s)")
    return text + (f"  PROBLEM: {result['problems']}" if result['problems'] else '  ok')


COLUMNS = [('tasks', '{:,.0f}'), ('wall_s', '{:.2f}'), ('tasks_s', '{:,.0f}'), ('req_s', '{:,.0f}'),
           ('coord_us_task', '{:.0f}'), ('srv_us_task', '{:.0f}'), ('srv_cpu_s', '{:.1f}'),
           ('db_cpu_s', '{:.1f}'), ('agent_us_task', '{:.0f}'), ('agent_cpu_s', '{:.1f}'),
           ('agent_wait', '{:.0%}'), ('task_cpu_s', '{:.1f}'), ('busy_cpu_s', '{:.1f}'),
           ('other_cpu_s', '{:+.1f}')]


def medians(runs: list[dict]) -> dict:
    good = [r for r in runs if 'tasks_s' in r and not r['problems']]
    out = {key: statistics.median(r[key] for r in good)
           for key, _ in COLUMNS if good and all(r.get(key) is not None for r in good)}
    out['ok_runs'] = f'{len(good)}/{len(runs)}'
    return out


def print_table(summaries: dict, cores: int) -> None:
    names = list(summaries)
    print('\n| median | ' + ' | '.join(names) + ' |')
    print('|---' * (len(names) + 1) + '|')
    print('| runs that checked out | ' + ' | '.join(summaries[n]['ok_runs'] for n in names) + ' |')
    for key, fmt in COLUMNS:
        cells = [fmt.format(summaries[n][key]) if key in summaries[n] else '-' for n in names]
        print(f'| {key} | ' + ' | '.join(cells) + ' |')
    print(f'\n(this machine: {cores} cores; busy_cpu_s can be at most {cores} x wall_s)')


def print_targets(summaries: dict, databases: list[str]) -> None:
    print('\n| target | value | goal | result |\n|---|---|---|---|')
    for db, goal in (('sqlite', 20_000), ('postgres', 5_000)):
        if db not in databases:
            continue
        value = summaries.get(f'noop-{db}', {}).get('tasks_s')
        verdict = 'n/a' if value is None else 'PASS' if value >= goal else 'FAIL'
        shown = 'n/a' if value is None else f'{value:,.0f} tasks/s'
        print(f'| noop-{db}: task lifecycles/s | {shown} | >= {goal:,} | {verdict} |')
    spawn = summaries.get('spawn', {}).get('tasks_s')
    for db in databases:
        value = summaries.get(f'true-{db}', {}).get('tasks_s')
        if value is None or spawn is None:
            continue
        ratio = spawn / value
        print(f'| true-{db}: spawn / farmworker | {ratio:.2f}x ({spawn:,.0f} vs {value:,.0f}/s) '
              f'| <= 2x | {"PASS" if ratio <= 2 else "FAIL"} |')


def figures_of(summaries: dict, databases: list[str], requested: list[str],
               scenarios: list[str]) -> list[Figure]:
    """The targets of print_targets as figures, and each scenario's coordinator CPU per task.
    A database that was asked for but could not be reached shows as a missing figure."""
    found = []
    for db, goal in (('sqlite', 20_000), ('postgres', 5_000)):
        if 'noop' in scenarios and db in requested:
            note = '' if db in databases else 'database not reachable'
            found.append(Figure(f'noop-{db} task lifecycles/s',
                                summaries.get(f'noop-{db}', {}).get('tasks_s'), 'tasks/s', '>=',
                                goal, note))
    spawn = summaries.get('spawn', {}).get('tasks_s')
    for db in requested if 'true' in scenarios else []:
        value = summaries.get(f'true-{db}', {}).get('tasks_s')
        found.append(Figure(f'true-{db}: spawn / farmworker tasks/s',
                            spawn / value if spawn and value else None, '×', '<=', 2))
    for name, summary in summaries.items():
        if 'coord_us_task' in summary:
            found.append(Figure(f'{name} coordinator CPU per task', summary['coord_us_task'], 'µs'))
    return found


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', type=int, default=100_000,
                        help='tasks per noop run (default %(default)s)')
    parser.add_argument('--true-tasks', type=int, default=5_000,
                        help='tasks per `true` run and of the spawn baseline (default %(default)s)')
    parser.add_argument('--agents', type=int, default=2,
                        help='agent processes K (default %(default)s)')
    parser.add_argument('--batch', type=int, default=100,
                        help='noop: slots per agent = tasks per claim (default %(default)s)')
    parser.add_argument('--poll', type=float, default=0.0,
                        help='noop: agent poll_s (default %(default)s)')
    parser.add_argument('--true-slots', type=int, default=32,
                        help='true: slots per agent (default %(default)s)')
    parser.add_argument('--true-poll', type=float, default=0.005,
                        help='true: agent poll_s (default %(default)s)')
    parser.add_argument('--repeats', type=int, default=3, help='runs per scenario (default 3)')
    parser.add_argument('--scenarios', default='noop,true',
                        help='comma-separated: noop, true (default %(default)s)')
    add_json_option(parser)
    return parsed(add_coordinator_options(parser))


def add_coordinator_options(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The options of the coordinator and its databases, which bench_serve.py shares."""
    parser.add_argument('--workers', type=int, default=2,
                        help='gunicorn workers of the coordinator (default %(default)s)')
    parser.add_argument('--threads', type=int, default=4,
                        help='threads per worker; 1 = sync workers (default %(default)s)')
    parser.add_argument('--databases', default='sqlite,postgres',
                        help='comma-separated: sqlite, postgres (default %(default)s)')
    parser.add_argument('--postgres-url',
                        default=os.environ.get('FARM_BENCH_POSTGRES_URL', POSTGRES_URL),
                        help='a database the benchmark may wipe (default: env '
                             'FARM_BENCH_POSTGRES_URL or %(default)s)')
    parser.add_argument('--max-seconds', type=float, default=120,
                        help='wall-clock cap of one run (default %(default)s)')
    return parser


def parsed(parser: argparse.ArgumentParser) -> argparse.Namespace:
    """The arguments, with the lists split and the coordinator's serve flags made."""
    args = parser.parse_args()
    args.databases = [d for d in args.databases.split(',') if d]
    args.scenarios = [s for s in args.scenarios.split(',') if s]
    args.serve_args = ['--workers', str(args.workers), '--threads', str(args.threads)]
    return args


def main() -> int:
    args = parse_args()
    cores = os.cpu_count() or 1
    print(f'bench_farmworker: {args.agents} agents, batch {args.batch} (noop) / {args.true_slots} '
          f'slots (true), coordinator {" ".join(args.serve_args)}, {args.repeats} repeats, '
          f'{cores} CPUs, load average {os.getloadavg()[0]:.2f}', flush=True)
    requested = list(args.databases)
    targets = {'sqlite': Target('sqlite', args.postgres_url),
               'postgres': Target('postgres', args.postgres_url)}
    if 'postgres' in args.databases:
        try:
            targets['postgres'].wipe()
        except Exception as exc:
            from coordinator.db import describe as masked
            print(f'postgres: skipped, {masked(args.postgres_url)} not usable: '
                  f'{type(exc).__name__}: '
                  f'{str(exc).strip()[:200]}')
            args.databases.remove('postgres')
    scenarios = {f'{executor}-{db}': (targets[db], executor,
                                      args.tasks if executor == 'noop' else args.true_tasks)
                 for executor in args.scenarios for db in args.databases}
    runs = {name: [] for name in scenarios}
    if 'true' in args.scenarios:
        runs['spawn'] = []
    # rounds of every scenario in turn, so a burst of outside load spreads over all of them
    for attempt in range(1, args.repeats + 1):
        print(f'\nround {attempt}/{args.repeats}:', flush=True)
        for name, (target, executor, tasks) in scenarios.items():
            runs[name].append(run_once(target, executor, tasks, args))
            print(f'  {name}: ' + describe(runs[name][-1]), flush=True)
        if 'spawn' in runs:
            runs['spawn'].append(spawn_baseline(args.true_tasks, args.agents))
            print('  spawn: ' + describe(runs['spawn'][-1]), flush=True)
    summaries = {name: medians(results) for name, results in runs.items()}
    status = conclude(runs, summaries, cores, args.repeats,
                      lambda: print_targets(summaries, args.databases))
    report('farmworker', figures_of(summaries, args.databases, requested, args.scenarios),
           args.json)
    return status


def conclude(runs: dict, summaries: dict, cores: int, repeats: int, targets) -> int:
    """The table of medians, the targets (`targets()` prints them), and the exit status: 1 if
    any run did not check out."""
    print(f'\nMedians of {repeats} run(s); us = microseconds of CPU (user+sys). coord = '
          'gunicorn tree (or the process itself, without HTTP) + PostgreSQL processes of the '
          'benchmark db; agent_wait = share of agent wall time spent inside Client.call; '
          'other_cpu_s = busy CPU of the machine not from these processes: above ~1 s means '
          'outside load made the numbers noisy.')
    print_table(summaries, cores)
    targets()
    bad = sum(1 for results in runs.values() for r in results if r['problems'])
    if bad:
        print(f'\n{bad} run(s) did not check out: see PROBLEM above')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
