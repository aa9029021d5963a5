"""The serve dispatcher's throughput, and the run-based figures against an older commit.

`.venv/bin/python tests/benchmarks/bench_serve.py` runs, in rounds (each scenario once per
round, `--repeats` rounds, each run with a fresh database and a fresh `farm-coordinator serve`):

  serve-sqlite / serve-postgres  queued no-op jobs of 100 job types (5 paused, 10 capped by
                                 max_scheduled, 5 priorities, ids interleaved across types)
                                 drained by K `farmworker serve` agents: batched claims of up
                                 to `--batch` tasks, results riding on the next claim
  iron-sqlite / iron-postgres    IronWorker tasks of one no-op code package (`sh` runtime,
                                 `true`), queued over /2/ 100 per POST, drained by the same
                                 serve agents: each task's code is unpacked into its task
                                 directory as for real (the no-op executor then runs nothing),
                                 so this is the serve rate with the code package path's cost;
                                 the ratio iron / serve is printed, and with
                                 `--executor process` (both sides run their no-op code as a
                                 real `sh`) held to its target (issue 13, acceptance 5)
  store-sqlite / store-postgres  the same queue drained by one thread calling the store's
                                 serve.claim, serve.briefing and serve.report: the dispatcher's
                                 own cost, without HTTP or agents
  runs-DB@HEAD / runs-DB@REF     bench_farmworker.py's no-op scenario (one run of M tasks,
                                 K `farmworker run` agents) on this checkout and on `--base-ref`
                                 (default 4304197, main before the dispatcher), alternating

Every run happens in a child process of this script whose PYTHONPATH is the checkout it
measures, so both commits are driven by the same harness; the base commit is exported with
`git archive` into .bench/ on first use. Serve runs are checked like bench_farmworker's:
every active type's task complete at attempt 1 and started once, every paused type's task
still queued and never claimed, every type's running counter back to 0. It prints a line per
run, a markdown table of medians, then its figures against their targets through figures.py
(serve >= 15,000 no-op tasks/s on SQLite and >= 5,000 on PostgreSQL; iron >= 0.9 x serve
with a process per task; runs on HEAD >= 0.9 x REF), also written as JSON with `--json PATH`.
"""

import argparse
import dataclasses
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))  # the other benchmarks' helpers, also when not run as a script

TYPES, PAUSED_EVERY, CAPPED_EVERY, PRIORITIES = 100, 20, 10, 5
QUEUE_CHUNK = 100  # tasks queued per type per round, so that ids interleave across types
TARGETS = {'serve-sqlite': 15_000, 'serve-postgres': 5_000}
IRON_BATCH = 100  # tasks per POST /2/.../tasks, as the queueing benchmark sends them
IRON_RATIO_TARGET = 0.9  # iron tasks/s at least this share of serve's
RUNS_RATIO_TARGET = 0.9


# ---------------------------------------------------------------- the queue

@dataclasses.dataclass(frozen=True)
class TypePlan:
    name: str
    priority: int
    max_scheduled: int | None
    paused: bool


def plan(types: int = TYPES) -> list[TypePlan]:
    """The job types: every 20th paused, every 10th capped (10, 20, ... running at most)."""
    return [TypePlan(f'bench-{i:03d}', i % PRIORITIES,
                     10 * (i // CAPPED_EVERY + 1) if i % CAPPED_EVERY == CAPPED_EVERY - 1 else None,
                     i % PAUSED_EVERY == PAUSED_EVERY // 2)
            for i in range(types)]


def fill(url: str, password: str, tasks: int, types: list[TypePlan]) -> int:
    """Define the types and queue `tasks` no-op jobs over them; returns how many are active."""
    from coordinator import db
    from coordinator.store import job_types, queue, users
    from coordinator.store.job_types import Definition

    database = db.bind(db.open_database(url))
    try:
        principal = users.principal_for_password('bench', password)
        for spec in types:
            fields = {'priority': spec.priority}
            if spec.max_scheduled is not None:
                fields['max_scheduled'] = spec.max_scheduled
            # one `sh` per job, as the iron scenario's code package (sh noop.sh) is
            job_types.define(principal, spec.name, '1.0.0',
                             Definition(command=['sh', '-c', 'true']), fields)
        per_type = tasks // len(types)
        for start in range(0, per_type, QUEUE_CHUNK):
            for spec in types:
                count = min(QUEUE_CHUNK, per_type - start)
                queue.queue_tasks(principal, spec.name, '1.0.0',
                                  [queue.Order(payload=json.dumps({'n': start + n}))
                                   for n in range(count)])
        for spec in types:
            if spec.paused:
                job_types.set_paused(principal, spec.name, '1.0.0', True)
    finally:
        database.close()
    return per_type * sum(not spec.paused for spec in types)


def check_queue(url: str, types: list[TypePlan]) -> dict:
    """The task rows afterwards: active types' all complete at attempt 1, paused ones untouched."""
    from bench_farmworker import _open

    paused = [spec.name for spec in types if spec.paused]
    database = _open(url)
    try:
        sql = ('SELECT jt.is_paused, t.status, MAX(t.attempt), MIN(t.attempt), COUNT(*) '
               'FROM task t JOIN job_type jt ON jt.id = t.job_type_id '
               'WHERE t.run_id IS NULL GROUP BY jt.is_paused, t.status')
        rows = database.execute_sql(sql).fetchall()
        (counted,) = database.execute_sql(
            'SELECT COALESCE(SUM(ABS(scheduled_count)), 0) FROM job_type').fetchone()
        (paused_now,) = database.execute_sql(
            'SELECT COUNT(*) FROM job_type WHERE is_paused').fetchone()
    finally:
        database.close()
    wrong = []
    for is_paused, status, high, low, count in rows:
        want = ('queued', 0) if is_paused else ('complete', 1)
        if (status, low, high) != (want[0], want[1], want[1]):
            wrong.append(f'{count} task(s) of {"paused" if is_paused else "active"} types '
                         f'{status} at attempts {low}-{high}')
    if counted:
        wrong.append(f'running counters of job types sum to {counted}, not 0')
    if paused_now != len(paused):
        wrong.append(f'{paused_now} paused types, not {len(paused)}')
    return {'row_problems': '; '.join(wrong)}


# ---------------------------------------------------------------- serve agents

@dataclasses.dataclass
class ServeSpec:
    url: str
    token: str
    slots: int
    poll_s: float
    log_dir: str
    max_seconds: float
    executor: str = 'noop'


def serve_agent(spec: ServeSpec, ready, go, results, accepted, drained) -> None:
    """One `farmworker serve` agent with the no-op executor (or, with `--executor process`, the
    real one: each task a process); `accepted` counts settled results.

    Its CPU is read when the parent says the queue is `drained`: a serve agent then goes on
    claiming until it has been idle `max_idle_s`, which a run's agent does not.
    """
    import logging
    import threading

    from bench_farmworker import CountingSubprocessExecutor, NoopExecutor
    from farmworker.agent import Agent
    from farmworker.client import Client
    from farmworker.config import AgentConfig, Node

    logging.basicConfig(level=logging.WARNING, format='agent %(process)d: %(message)s')

    class CountingClient(Client):
        """The real client, counting its calls, the time in them and the results accepted."""

        calls, wait_s, empty = 0, 0.0, 0

        def call(self, method, path, *args, **kwargs):
            started = time.perf_counter()
            try:
                reply = super().call(method, path, *args, **kwargs)
            finally:
                self.calls += 1
                self.wait_s += time.perf_counter() - started
            receipt = reply.get('receipt', reply) if isinstance(reply, dict) else {}
            if path in ('/claim', '/results') and receipt.get('accepted'):
                with accepted.get_lock():
                    accepted.value += len(receipt['accepted'])
            if path == '/claim' and not reply['tasks']:
                self.empty += 1
            return reply

    stats = {'error': ''}
    is_ready = False
    try:
        client = CountingClient(spec.url, spec.token)
        executor = (NoopExecutor() if spec.executor == 'noop'
                    else CountingSubprocessExecutor(Path(spec.log_dir) / 'serve'))
        config = AgentConfig(run=None, command=None, slots=spec.slots, log_dir=Path(spec.log_dir),
                             poll_s=spec.poll_s, idle_poll_s=0.05, max_idle_s=1.0)
        agent = Agent(config, client, executor, Node(cpus=spec.slots))
        ready.put(None)
        is_ready = True
        if not go.wait(120):
            raise RuntimeError('no start signal')
        cpu0, wall0 = time.process_time(), time.perf_counter()
        at_drained = {}

        def note():
            at_drained.update(cpu=time.process_time() - cpu0, wall=time.perf_counter() - wall0,
                              calls=client.calls, wait_s=client.wait_s)

        watcher = threading.Thread(target=lambda: drained.wait(spec.max_seconds) and note(),
                                   daemon=True)
        watcher.start()
        agent.run()
        watcher.join(spec.max_seconds)
        if not at_drained:  # never drained: the whole run
            note()
        stats.update(at_drained, started=executor.started, empty=client.empty)
        client.close()
    except Exception as exc:  # report, never leave the parent waiting
        stats['error'] = f'{type(exc).__name__}: {exc}'[:300]
        if not is_ready:
            ready.put(stats['error'])
    results.put(stats)


def drive_serve(server, token: str, target, workdir: Path, active: int, args) -> dict:
    """Let K serve agents drain the queue; the clock stops when `active` results are accepted.
    Their log directories (task dirs, code cache) are under `--agent-dir` or `workdir`."""
    with tempfile.TemporaryDirectory(prefix='agents-', dir=args.agent_dir or workdir) as logs:
        return drain(server, token, target, logs, active, args)


def drain(server, token: str, target, log_dir: str, active: int, args) -> dict:
    from bench_farmworker import measure

    spec = ServeSpec(server.url, token, args.batch, args.poll, log_dir, args.max_seconds,
                     args.executor)
    ctx = multiprocessing.get_context('spawn')
    ready, results, go, drained = ctx.Queue(), ctx.Queue(), ctx.Event(), ctx.Event()
    accepted = ctx.Value('q', 0)
    procs = [ctx.Process(target=serve_agent, args=(spec, ready, go, results, accepted, drained))
             for _ in range(args.agents)]
    at_stop = {}

    def stopped() -> None:
        at_stop['done'] = accepted.value
        drained.set()

    # a shared counter: asking it costs the coordinator nothing, unlike a run's status
    window = measure(server, target.db_processes(), procs, ready, go, results,
                     lambda: accepted.value >= active, args.max_seconds, 0.005, stopped)
    done, wall = at_stop['done'], window.wall
    errors = [s['error'] for s in window.stats if s['error']]
    good = [s for s in window.stats if not s['error']]
    started_ids = [n for s in good for n in s['started']]
    agent_cpu, server_cpu, pg_cpu = sum(s['cpu'] for s in good), window.server_cpu, window.db_cpu
    if window.timed_out:
        errors.append(f'wall-clock cap of {args.max_seconds:g} s')
    return {
        'tasks': done, 'wall_s': wall, 'tasks_s': done / wall,
        'req_s': sum(s['calls'] for s in good) / wall,
        'srv_cpu_s': server_cpu, 'db_cpu_s': pg_cpu,
        'coord_us_task': 1e6 * (server_cpu + pg_cpu) / max(done, 1),
        'srv_us_task': 1e6 * server_cpu / max(done, 1),
        'agent_cpu_s': agent_cpu, 'agent_us_task': 1e6 * agent_cpu / max(len(started_ids), 1),
        'agent_wait': statistics.mean(s['wait_s'] / s['wall'] for s in good) if good else None,
        'task_cpu_s': 0.0, 'busy_cpu_s': window.system_cpu,
        'other_cpu_s': window.system_cpu - server_cpu - pg_cpu - agent_cpu - window.own_cpu,
        'agent_split': '/'.join(str(len(s['started'])) for s in good),
        'empty_claims': sum(s['empty'] for s in good),
        'worker_split': '/'.join(f'{c:.1f}'
                                 for c in sorted(window.workers_cpu.values(), reverse=True)),
        'done': done, 'failed': 0, 'running': 0,
        'dups': len(started_ids) - len(set(started_ids)),
        'missing': active - len(set(started_ids)),
        'errors': '; '.join(errors),
    }


# ---------------------------------------------------------------- one run, in a child process

def init_coordinator(where: list[str]) -> None:
    """`farm-coordinator init` and user `bench`, as bench_farmworker's Target.start does."""
    from bench_taskfarm import BIN, PASSWORD, clean_env, run_checked

    farm = [str(BIN / 'farm-coordinator'), *where]
    run_checked([*farm, 'init'], timeout=120, env=clean_env())
    run_checked([*farm, 'user', 'add', 'bench', '--password-stdin'], timeout=120,
                env=clean_env(), input=PASSWORD + '\n')


def serve_once(target, args) -> dict:
    from bench_taskfarm import PASSWORD

    types = plan()
    return drained_once(target, args, types, lambda server, token, url: fill(
        url, PASSWORD, args.tasks, types))


def drained_once(target, args, types: list[TypePlan], queue_work) -> dict:
    """A fresh coordinator, its queue filled by `queue_work(server, token, database url)`
    (which returns how many tasks are active), drained by the serve agents, then checked."""
    with tempfile.TemporaryDirectory(prefix='bench-serve-') as tmp:
        server = None
        try:
            server, token = target.start(Path(tmp), args.serve_args)
            server.wait_ready()
            active = queue_work(server, token, target.url(Path(tmp)))
            result = drive_serve(server, token, target, Path(tmp), active, args)
            server.stop()  # SQLite: read a quiet file; either way nothing writes any more
            result.update(check_queue(target.url(Path(tmp)), types))
            result['problems'] = '; '.join(
                text for text in (result['errors'], result['row_problems'],
                                  f"{result['dups']} started twice" if result['dups'] else '',
                                  f"{result['missing']} never started"
                                  if result['missing'] else '') if text)
            return result
        except Exception as exc:  # report the run as failed, go on with the others
            return {'problems': f'FAILED {type(exc).__name__}: {str(exc)[:300]}'}
        finally:
            if server is not None:
                server.stop()


def queue_iron(url: str, database_url: str, token: str, tasks: int) -> None:
    """Upload the no-op code package `noop` and queue `tasks` tasks of it, 100 per POST."""
    import io
    import zipfile

    import requests
    from bench_farmworker import _open

    database = _open(database_url)
    try:
        (project,) = database.execute_sql(
            "SELECT hex_id FROM project WHERE name = 'default'").fetchone()
    finally:
        database.close()
    base, auth = f'{url}/2/projects/{project}', {'Authorization': f'OAuth {token}'}
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, 'w') as package:
        package.writestr('noop.sh', 'true\n')
    with requests.Session() as session:
        session.post(f'{base}/codes', headers=auth, timeout=60, files={
            'data': (None, json.dumps({'name': 'noop', 'runtime': 'sh',
                                       'file_name': 'noop.sh'})),
            'file': ('noop.zip', archive.getvalue(), 'application/zip')}).raise_for_status()
        for start in range(0, tasks, IRON_BATCH):
            batch = [{'code_name': 'noop', 'payload': json.dumps({'n': start + n})}
                     for n in range(min(IRON_BATCH, tasks - start))]
            session.post(f'{base}/tasks', json={'tasks': batch}, headers=auth,
                         timeout=60).raise_for_status()


def iron_once(target, args) -> dict:
    """IronWorker tasks of a no-op code package drained by the serve scenario's agents."""
    def queue_work(server, token: str, url: str) -> int:
        queue_iron(server.url, url, token, args.tasks)
        return args.tasks

    return drained_once(target, args, [], queue_work)


def store_once(target, args) -> dict:
    """The dispatcher alone: one thread claims, briefs and reports until the queue is drained."""
    from bench_taskfarm import PASSWORD
    from coordinator import db
    from coordinator.store import serve, users, workers
    from coordinator.store.reports import Outcome, Result

    types = plan()
    with tempfile.TemporaryDirectory(prefix='bench-store-') as tmp:
        if target.kind == 'postgres':
            target.wipe()
        url = target.url(Path(tmp))
        where = ['--data-dir', tmp] if target.kind == 'sqlite' else ['--database-url', url]
        init_coordinator(where)
        active = fill(url, PASSWORD, args.tasks, types)
        database = db.bind(db.open_database(url))
        principal = users.principal_for_password('bench', PASSWORD)
        workers.register_worker(principal, 'bench-agent', 'node', 1,
                                resources=workers.Resources(slots=args.batch))
        db_cpu = target.db_processes()
        db0, cpu0, started = db_cpu.snapshot(), time.process_time(), time.perf_counter()
        done, results, known, claimed = 0, [], set(), []
        while True:
            if results:
                done += len(serve.report(principal, 'bench-agent', results).accepted)
            work = serve.claim(principal, 'bench-agent', args.batch)
            known |= set(serve.briefing(work, known).revisions)
            if not work:
                break
            claimed += [task.id for task in work]
            results = [Result(task.id, task.attempt, Outcome.COMPLETE, exit_code=0)
                       for task in work]
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
        pg_cpu = db_cpu.delta(db0, db_cpu.snapshot())
        database.close()
        result = {'tasks': done, 'wall_s': wall, 'tasks_s': done / wall, 'srv_cpu_s': cpu,
                  'db_cpu_s': pg_cpu, 'coord_us_task': 1e6 * (cpu + pg_cpu) / max(done, 1),
                  'srv_us_task': 1e6 * cpu / max(done, 1)}
        result.update(check_queue(url, types))
        problems = [result['row_problems']] if result['row_problems'] else []
        if len(claimed) != len(set(claimed)) or done != active:
            problems.append(f'{done} of {active} done, {len(claimed) - len(set(claimed))} twice')
        result['problems'] = '; '.join(problems)
        return result


def runs_once(target, args) -> dict:
    """bench_farmworker.py's no-op scenario, exactly as it runs it."""
    import bench_farmworker

    return bench_farmworker.run_once(target, 'noop', args.run_tasks, args)


def child(args) -> None:
    from bench_farmworker import Target

    target = Target(args.database, args.postgres_url)
    kind = {'serve': serve_once, 'iron': iron_once, 'store': store_once,
            'runs': runs_once}[args.child]
    result = kind(target, args)
    import coordinator
    result['code'] = str(Path(coordinator.__file__).resolve().parents[1])
    print('RESULT ' + json.dumps(result), flush=True)


# ---------------------------------------------------------------- the parent

def base_checkout(ref: str) -> Path:
    """The commit `ref` as plain files under .bench/ (no worktree, nothing to clean in .git)."""
    folder = ROOT / '.bench' / f'base-{ref}'
    marker = folder / '.exported'
    if not marker.exists():
        print(f'exporting {ref} to {folder} (first use) ...', flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(['git', '-C', str(ROOT), 'archive', ref], check=True,
                                 capture_output=True).stdout
        subprocess.run(['tar', '-x', '-C', str(folder)], input=archive, check=True)
        marker.write_text(ref + '\n')
    return folder


def run_in_child(kind: str, database: str, code: Path, args) -> dict:
    """One run in a fresh interpreter that imports the coordinator and the agent from `code`."""
    command = [sys.executable, str(Path(__file__).resolve()), '--child', kind,
               '--database', database, '--postgres-url', args.postgres_url,
               '--tasks', str(args.tasks), '--run-tasks', str(args.run_tasks),
               '--agents', str(args.agents), '--batch', str(args.batch), '--poll', str(args.poll),
               '--workers', str(args.workers), '--threads', str(args.threads),
               '--max-seconds', str(args.max_seconds), '--executor', args.executor]
    if args.agent_dir is not None:
        command += ['--agent-dir', str(args.agent_dir)]
    env = {**os.environ, 'PYTHONPATH': str(code)}
    with tempfile.TemporaryDirectory(prefix='bench-serve-child-') as cwd:  # not ROOT on sys.path
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                              timeout=args.max_seconds + 600)
    lines = [line for line in done.stdout.splitlines() if line.startswith('RESULT ')]
    if not lines:
        return {'problems': f'FAILED child exited {done.returncode}: '
                            f'{(done.stderr or done.stdout)[-600:]}'}
    result = json.loads(lines[-1][len('RESULT '):])
    if Path(result['code']) != code.resolve():
        result['problems'] = f"ran {result['code']}, not {code}"
    return result


def describe(result: dict) -> str:
    from bench_farmworker import describe as farmworker_describe

    if 'tasks_s' not in result:
        return result['problems']
    if 'req_s' not in result:  # the store alone
        postgres = f" + postgres {result['db_cpu_s']:.1f}s" if result['db_cpu_s'] else ''
        text = (f"{result['tasks']} tasks in {result['wall_s']:.2f}s = "
                f"{result['tasks_s']:,.0f} tasks/s, {result['coord_us_task']:.0f} us CPU/task "
                f"(this process {result['srv_cpu_s']:.1f}s{postgres})")
        return text + (f"  PROBLEM: {result['problems']}" if result['problems'] else '  ok')
    if 'empty_claims' in result:  # serve: claims that got nothing, while caps were full
        return farmworker_describe(result).replace(
            ', CPU s per', f", {result['empty_claims']} empty claims, CPU s per")
    return farmworker_describe(result)


def summaries_of(runs: dict) -> dict:
    from bench_farmworker import medians

    return {name: medians(results) for name, results in runs.items()}


def figures_of(summaries: dict, names: dict, executor: str = 'noop') -> list:
    """The figures to report: the rates, each target, and the ratios side by side. The
    absolute targets are the no-op executor's; with real processes the rates are the
    machine's spawn rate, and the ratio iron / serve has its target there: no-op code run
    for real on both sides. With the no-op executor nothing runs, and the ratio shows only
    what laying out an IronWorker task's files costs the agent (its directories, a link, its
    payload), which a plain job's no-op start skips (the executor makes its directory)."""
    from figures import Figure

    processes = None if executor == 'noop' else 'a process per task'

    def rate(name: str) -> float | None:
        return summaries.get(name, {}).get('tasks_s')

    found = []
    for name, goal in TARGETS.items():
        if name in summaries:
            found.append(Figure(f'{name}: no-op tasks/s', rate(name), 'tasks/s',
                                *(('>=', goal) if processes is None else ()), note=processes))
    for database in ('sqlite', 'postgres'):
        iron, serve = rate(f'iron-{database}'), rate(f'serve-{database}')
        if f'iron-{database}' in summaries:
            found.append(Figure(f'iron-{database}: no-op tasks/s', iron, 'tasks/s',
                                note=processes))
        if iron is not None and serve is not None and processes:
            found.append(Figure('iron / serve tasks/s', iron / serve, '×', '>=',
                                IRON_RATIO_TARGET, note=f'{database}, {processes}'))
        elif iron is not None and serve is not None:  # what laying out files costs, no more
            found.append(Figure('iron / serve tasks/s', iron / serve, '×',
                                note=f'{database}, no-op executor: iron lays out its files, '
                                'serve makes nothing'))
        if f'store-{database}' in summaries:
            found.append(Figure(f'store-{database}: tasks/s', rate(f'store-{database}'),
                                'tasks/s'))
    for database, (head, base) in names.items():
        new, old = rate(head), rate(base)
        if new is not None and old is not None:
            found.append(Figure(f'{head} / {base} tasks/s', new / old, '×', '>=',
                                RUNS_RATIO_TARGET, note=database))
        new_us, old_us = (summaries[name].get('coord_us_task') for name in (head, base))
        if new_us and old_us:
            found.append(Figure(f'{head} / {base} coordinator CPU per task', new_us / old_us,
                                '×', note=f'{new_us:.0f} vs {old_us:.0f} us, lower is better'))
    return found


def parse_args():
    from bench_farmworker import add_coordinator_options, parsed
    from figures import add_json_option

    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--tasks', type=int, default=100_000,
                        help='jobs queued over the 100 types, 95%% of them active '
                             '(default %(default)s)')
    parser.add_argument('--run-tasks', type=int, default=100_000,
                        help='tasks of the run in the runs scenarios (default %(default)s)')
    parser.add_argument('--agents', type=int, default=2, help='agent processes (default 2)')
    parser.add_argument('--batch', type=int, default=100,
                        help='slots per agent = tasks per claim at most (default %(default)s)')
    parser.add_argument('--poll', type=float, default=0.0, help='agent poll_s (default 0)')
    parser.add_argument('--repeats', type=int, default=3, help='rounds (default 3)')
    parser.add_argument('--scenarios', default='serve,iron,store,runs',
                        help='comma-separated: serve, iron, store, runs (default %(default)s)')
    parser.add_argument('--base-ref', default='4304197',
                        help='the commit the runs scenario compares with (default %(default)s)')
    parser.add_argument('--base', type=Path,
                        help='a checkout of the base commit to use instead of exporting it')
    parser.add_argument('--child', choices=('serve', 'iron', 'store', 'runs'),
                        help=argparse.SUPPRESS)
    parser.add_argument('--database', help=argparse.SUPPRESS)
    parser.add_argument('--executor', choices=('noop', 'process'), default='noop',
                        help='noop: tasks end at once, nothing runs (the dispatch rate); '
                             'process: serve and iron tasks each run a real `sh` doing nothing '
                             '(use with e.g. --batch 32 --poll 0.005 --tasks 5000)')
    parser.add_argument('--agent-dir', type=Path,
                        help="where the agents' log directories (task dirs, code cache) go, "
                             'e.g. a tmpfs (default: the run\'s temporary directory)')
    add_json_option(parser)
    args = parsed(add_coordinator_options(parser))
    # what bench_farmworker.drive reads besides the above, for its no-op scenario
    args.true_slots, args.true_poll = args.batch, args.poll
    return args


def main() -> int:
    args = parse_args()
    if args.child:
        child(args)
        return 0
    from bench_farmworker import Target, conclude
    from figures import report

    cores = os.cpu_count() or 1
    print(f'bench_serve: {args.agents} agents, batch {args.batch}, coordinator '
          f'{" ".join(args.serve_args)}, {args.repeats} rounds, {cores} CPUs, load average '
          f'{os.getloadavg()[0]:.2f}', flush=True)
    if 'postgres' in args.databases:
        try:
            Target('postgres', args.postgres_url).wipe()
        except Exception as exc:
            from coordinator.db import describe as masked
            print(f'postgres: skipped, {masked(args.postgres_url)} not usable: '
                  f'{type(exc).__name__}: {str(exc).strip()[:200]}')
            args.databases.remove('postgres')
    base = args.base or (base_checkout(args.base_ref) if 'runs' in args.scenarios else None)
    head_label, base_label = 'HEAD', args.base_ref
    scenarios = []  # (name, kind, database, code)
    pairs = {}
    for database in args.databases:
        for kind in ('serve', 'iron', 'store'):
            if kind in args.scenarios:
                scenarios.append((f'{kind}-{database}', kind, database, ROOT))
        if 'runs' in args.scenarios:
            head, old = f'runs-{database}@{head_label}', f'runs-{database}@{base_label}'
            scenarios += [(head, 'runs', database, ROOT), (old, 'runs', database, base)]
            pairs[database] = (head, old)
    runs = {name: [] for name, *_ in scenarios}
    for round_number in range(1, args.repeats + 1):
        print(f'\nround {round_number}/{args.repeats} (load average '
              f'{os.getloadavg()[0]:.2f}):', flush=True)
        # every other round in reverse, so neither commit always runs right after the other
        ordered = scenarios if round_number % 2 else scenarios[::-1]
        for name, kind, database, code in ordered:
            runs[name].append(run_in_child(kind, database, code, args))
            print(f'  {name}: ' + describe(runs[name][-1]), flush=True)
    summaries = summaries_of(runs)
    return conclude(runs, summaries, cores, args.repeats,
                    lambda: report('bench_serve', figures_of(summaries, pairs, args.executor),
                                   args.json))


if __name__ == '__main__':
    sys.exit(main())
