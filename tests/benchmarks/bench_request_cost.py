"""Coordinator CPU per claim, report and heartbeat, and the request budget of 10,000 agents.

`.venv/bin/python tests/benchmarks/bench_request_cost.py [--quick] [--json PATH]` starts, for
SQLite and then PostgreSQL (a database of its own on the test server, dropped after), one
`farm-coordinator serve` (the product's default workers and threads, or `--serve-args`) with
one run of 10^7 tasks (rows are made as tasks are claimed, so creating it costs nothing).
`--clients` client processes each register a worker and then, one kind at a time, send
`--requests` requests of that kind over a keep-alive connection (farmworker's own Client):

  claim 1 / claim B        POST /farm/v1/runs/{uuid}/claim for 1 / B tasks, nothing reported
  report 1 / report B      POST .../results with 1 / B results of tasks claimed beforehand
  claim+report 1 / B       a claim carrying the results of the previous one: what an agent sends
  heartbeat                POST /farm/v1/workers/{uuid}/heartbeat listing B running tasks

Whatever a kind needs first (tasks to report) is claimed before its clock starts. The cost
of a request is the CPU of the gunicorn tree (master and workers) plus, on PostgreSQL, of the
database's own backends (psutil), divided by the requests answered; the server's shared
writers (WAL, checkpoints, autovacuum), which serve every database on it, are shown apart. B is
`--batch`: an agent claims as many tasks as it has free slots, and `farmworker`'s default
slots are the node's CPUs, so 32 stands for a 32-core node.

The budget then sizes a deployment of `--agents` agents (default 10,000): heartbeats every
worker_ttl_s / 4 (the coordinator's default TTL), and claims for tasks of 60 s and 10 min,
either ending apart (each finished task its own claim+report of 1) or together (one
claim+report of B per agent and task length), and the cores that takes at the measured cost.
Figures (informational) go through figures.py; the one target is on the heartbeat: at most
1,500 us, so that the heartbeats of 10,000 agents (667/s) take at most one core.
"""

import argparse
import dataclasses
import multiprocessing
import os
import shlex
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the other benchmarks' helpers, also when not run as a script

import scratch_postgres  # noqa: E402
from bench_farmworker import DbCpu, Target  # noqa: E402
from bench_taskfarm import start_all  # noqa: E402
from figures import Figure, add_json_option, report  # noqa: E402

RUN_TASKS = 10_000_000
# PostgreSQL's walwriter, checkpointer, background writer and autovacuum serve every database
# of the server: on the shared test server, other suites' writes too. Counted apart.
PREP_BATCH = 1000  # tasks per claim while preparing (the API's largest batch)
HEARTBEAT_TARGET_US = 1500  # 10,000 agents x 1 heartbeat / 15 s = 667/s: one core at most
TASK_LENGTHS_S = (60, 600)


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of request: what it sends, and how many tasks each carries."""

    name: str
    op: str  # claim / report / exchange / heartbeat
    tasks: int  # per request: claimed, reported, or listed as running


def kinds(batch: int) -> list[Kind]:
    return [Kind('claim 1', 'claim', 1), Kind(f'claim {batch}', 'claim', batch),
            Kind('report 1', 'report', 1), Kind(f'report {batch}', 'report', batch),
            Kind('claim+report 1', 'exchange', 1),
            Kind(f'claim+report {batch}', 'exchange', batch),
            Kind('heartbeat', 'heartbeat', batch)]


def chosen(args) -> list[Kind]:
    return [kind for kind in kinds(args.batch) if not args.kinds or kind.name in args.kinds]


# ---------------------------------------------------------------- client processes

class Hammer:
    """One client: a registered worker that sends one kind of request again and again."""

    def __init__(self, url: str, token: str, run: str):
        import socket
        import uuid

        from farmworker.client import Client

        self.client, self.run = Client(url, token), run
        self.worker = uuid.uuid4().hex
        self.held: list[tuple[int, int]] = []  # (number, attempt) claimed and not reported
        self.client.call('POST', '/workers', {
            'uuid': self.worker, 'hostname': socket.gethostname(), 'pid': os.getpid(),
            'slots': PREP_BATCH, 'serves': {'run': run}})

    def claim(self, count: int, results: list[tuple[int, int]] = ()) -> None:
        body = {'worker_uuid': self.worker, 'max_tasks': count}
        if results:
            body['results'] = self.results(results)
        reply = self.client.call('POST', f'/runs/{self.run}/claim', body)
        if len(reply['tasks']) != count:
            raise RuntimeError(f"claimed {len(reply['tasks'])} of {count}")
        self.held += [(task['number'], task['attempt']) for task in reply['tasks']]

    def results(self, pairs) -> list[dict]:
        return [{'number': number, 'attempt': attempt, 'outcome': 'complete', 'exit_code': 0,
                 'log_tail': ''} for number, attempt in pairs]

    def prepare(self, kind: Kind, count: int) -> None:
        """Hold the tasks the requests will report or list, claimed before the clock starts."""
        need = {'report': kind.tasks * count, 'exchange': kind.tasks,
                'heartbeat': kind.tasks}.get(kind.op, 0)
        while len(self.held) < need:
            self.claim(min(PREP_BATCH, need - len(self.held)))

    def send(self, kind: Kind) -> None:
        k = kind.tasks
        if kind.op == 'claim':
            self.claim(k)
        elif kind.op == 'report':
            reported, self.held = self.held[:k], self.held[k:]
            receipt = self.client.call('POST', f'/runs/{self.run}/results',
                                       {'worker_uuid': self.worker,
                                        'results': self.results(reported)})
            if len(receipt['accepted']) != k:
                raise RuntimeError(f'report refused: {receipt}')
        elif kind.op == 'exchange':
            reported, self.held = self.held[:k], self.held[k:]
            self.claim(k, reported)
        else:
            self.client.call('POST', f'/workers/{self.worker}/heartbeat', {
                'load': 0.5, 'draining': False, 'run': self.run,
                'running': [list(pair) for pair in self.held[:k]]})


def client_process(url: str, token: str, run: str, orders, ready, results) -> None:
    """Take orders (kind, count) until None: prepare, say ready, wait for 'go', send, report."""
    hammer, error = None, ''
    try:
        hammer = Hammer(url, token, run)
    except Exception as exc:
        error = f'{type(exc).__name__}: {exc}'[:300]
    ready.put(error or None)
    while (order := orders.get()) is not None:
        kind, count = order
        latencies, problem = [], error
        try:
            if not problem:
                hammer.prepare(kind, count)
        except Exception as exc:
            problem = f'{type(exc).__name__}: {exc}'[:300]
        ready.put(problem or None)
        orders.get()  # 'go', which every client gets, ready or not
        try:
            for _ in range(0 if problem else count):
                started = time.perf_counter()
                hammer.send(kind)
                latencies.append(time.perf_counter() - started)
        except Exception as exc:
            problem = f'{type(exc).__name__}: {exc}'[:300]
        results.put({'sent': len(latencies), 'latencies': latencies, 'error': problem})
    if hammer is not None:
        hammer.client.close()


# ---------------------------------------------------------------- one database

class BackendsCpu(DbCpu):
    """CPU of the benchmark database's own backends only (DbCpu adds the shared writers)."""

    SHARED = ()


def measure_kind(server, database: str | None, clients: list, kind: Kind, count: int) -> dict:
    """Every client sends `count` requests of `kind`; the coordinator's CPU per request:
    gunicorn and the database's backends, the shared PostgreSQL writers apart."""
    backends, everything = BackendsCpu(database), DbCpu(database)
    procs, orders, ready, results = clients
    for queue in orders:
        queue.put((kind, count))
    for _ in procs:
        ready.get(timeout=600)  # a client that failed to prepare says so in its result
    time.sleep(0.2)  # let the prepared tasks' writes settle before the clock starts
    cpu0, db0, all0 = server.cpu_seconds(), backends.snapshot(), everything.snapshot()
    started = time.perf_counter()
    for queue in orders:
        queue.put('go')
    stats = [results.get(timeout=900) for _ in procs]
    wall = time.perf_counter() - started
    server_cpu, pg_cpu = server.cpu_seconds() - cpu0, backends.delta(db0, backends.snapshot())
    shared_cpu = everything.delta(all0, everything.snapshot()) - pg_cpu
    errors = '; '.join(s['error'] for s in stats if s['error'])
    if errors:
        return {'kind': kind.name, 'error': errors}
    sent = sum(s['sent'] for s in stats)
    latencies = sorted(x for s in stats for x in s['latencies'])
    return {'kind': kind.name, 'tasks': kind.tasks, 'requests': sent, 'wall_s': wall,
            'req_s': sent / wall, 'srv_us': 1e6 * server_cpu / max(sent, 1),
            'db_us': 1e6 * pg_cpu / max(sent, 1), 'shared_us': 1e6 * shared_cpu / max(sent, 1),
            'us': 1e6 * (server_cpu + pg_cpu) / max(sent, 1),
            'p50_ms': 1e3 * statistics.median(latencies), 'error': ''}


def run_database(target: Target, args) -> list[dict]:
    """One coordinator on `target`, every kind in turn, `--repeats` rounds; the medians."""
    from farmworker.client import Client

    with tempfile.TemporaryDirectory(prefix='bench-cost-') as tmp:
        server, token = target.start(Path(tmp), args.serve_args)
        try:
            server.wait_ready()
            creator = Client(server.url, token)
            run = creator.call('POST', '/runs', {'num_tasks': RUN_TASKS})['uuid']
            creator.close()
            ctx = multiprocessing.get_context('spawn')
            ready, results = ctx.Queue(), ctx.Queue()
            orders = [ctx.Queue() for _ in range(args.clients)]
            procs = [ctx.Process(target=client_process,
                                 args=(server.url, token, run, queue, ready, results))
                     for queue in orders]
            start_all(procs, ready, 'client')
            try:
                rounds = [[measure_kind(server, target.db_processes().database,
                                        (procs, orders, ready, results), kind, args.requests)
                           for kind in chosen(args)] for _ in range(args.repeats)]
            finally:
                for queue in orders:
                    queue.put(None)
                for proc in procs:
                    proc.join(30)
                    if proc.is_alive():
                        proc.terminate()  # our own client, by object
        finally:
            server.stop()
    return [median_of([r[i] for r in rounds]) for i in range(len(rounds[0]))]


def median_of(runs: list[dict]) -> dict:
    good = [r for r in runs if not r.get('error')]
    out = {'kind': runs[0]['kind'], 'error': '; '.join(r['error'] for r in runs if r.get('error'))}
    if good:
        for key in ('tasks', 'requests', 'req_s', 'srv_us', 'db_us', 'shared_us', 'us',
                    'p50_ms'):
            out[key] = statistics.median(r[key] for r in good)
    return out


# ---------------------------------------------------------------- report

def print_costs(database: str, rows: list[dict]) -> None:
    print(f'\n{database}: coordinator CPU per request (medians)\n')
    print('| request | req/s | us CPU / request (gunicorn + db backends) | us / task | p50 ms '
          '| shared PostgreSQL writers, us / request |')
    print('|---|---:|---:|---:|---:|---:|')
    for row in rows:
        if 'us' not in row:
            print(f"| {row['kind']} | failed: {row['error']} | | | | |")
            continue
        print(f"| {row['kind']} | {row['req_s']:,.0f} | {row['us']:,.0f} "
              f"({row['srv_us']:,.0f} + {row['db_us']:,.0f}) | {row['us'] / row['tasks']:,.0f} "
              f"| {row['p50_ms']:.1f} | {row['shared_us']:,.0f} |")


def budget(costs: dict, agents: int, batch: int, ttl_s: float) -> list[tuple[str, float, float]]:
    """(what, requests per second, cores) for `agents` agents at the measured costs."""
    heartbeat_s = ttl_s / 4
    rows = [(f'heartbeats: {agents:,} / {heartbeat_s:g} s', agents / heartbeat_s,
             costs.get('heartbeat'))]
    for length in TASK_LENGTHS_S:
        shown = f'{length // 60} min' if length >= 600 else f'{length} s'
        rows += [
            (f'tasks of {shown}, 1 slot per agent: claim+report 1', agents / length,
             costs.get('claim+report 1')),
            (f'tasks of {shown}, {batch} slots, ending apart: claim+report 1',
             agents * batch / length, costs.get('claim+report 1')),
            (f'tasks of {shown}, {batch} slots, ending together: claim+report {batch}',
             agents / length, costs.get(f'claim+report {batch}')),
        ]
    return [(what, rate, None if us is None else rate * us / 1e6) for what, rate, us in rows]


def print_budget(budgets: dict, agents: int) -> None:
    names = list(budgets)
    print(f'\nRequest budget of {agents:,} agents: requests/s, and the cores they take at the '
          'CPU measured above (coordinator processes + database)\n')
    print('| load | requests/s | ' + ' | '.join(f'cores, {n}' for n in names) + ' |')
    print('|---|---:|' + '---:|' * len(names))
    first = budgets[names[0]]
    for i, (what, rate, _) in enumerate(first):
        cells = ['-' if budgets[n][i][2] is None else f'{budgets[n][i][2]:.2f}' for n in names]
        print(f'| {what} | {rate:,.0f} | ' + ' | '.join(cells) + ' |')


def figures_of(costs: dict, budgets: dict, batch: int) -> list[Figure]:
    out = []
    for database, by_kind in costs.items():
        for kind, us in by_kind.items():
            if kind == 'heartbeat':
                out.append(Figure(f'{database}: CPU per heartbeat', us, 'us', '<=',
                                  HEARTBEAT_TARGET_US, '10,000 agents within one core'))
            else:
                out.append(Figure(f'{database}: CPU per {kind}', us, 'us'))
        for what, _, cores in budgets[database]:
            if what.startswith('heartbeats') or f'{batch} slots, ending apart' in what:
                out.append(Figure(f'{database}: cores for 10,000 agents, {what}', cores))
    return out


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clients', type=int, default=3,
                        help='client processes (default %(default)s)')
    parser.add_argument('--requests', type=int,
                        help='requests of each kind per client (default 500, --quick 100)')
    parser.add_argument('--batch', type=int, default=32,
                        help="B: tasks per batched claim and report, the running tasks a "
                             "heartbeat lists (default %(default)s, an agent's slots on a "
                             '32-core node)')
    parser.add_argument('--repeats', type=int, help='rounds of every kind (default 3, --quick 1)')
    parser.add_argument('--databases', default='sqlite,postgres',
                        help='comma-separated: sqlite, postgres (default %(default)s)')
    parser.add_argument('--serve-args', default='',
                        help="flags for `farm-coordinator serve`, e.g. '--workers 1' "
                             '(default: none, the product defaults)')
    parser.add_argument('--agents', type=int, default=10_000,
                        help='agents of the budget (default %(default)s)')
    parser.add_argument('--kinds', default='',
                        help="only these kinds, comma-separated, e.g. 'claim+report 1,heartbeat' "
                             '(default: every kind)')
    parser.add_argument('--quick', action='store_true', help='fewer requests, one round')
    add_json_option(parser)
    args = parser.parse_args()
    args.requests = args.requests or (100 if args.quick else 500)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.databases = [d for d in args.databases.split(',') if d]
    args.kinds = [k.strip() for k in args.kinds.split(',') if k.strip()]
    args.serve_args = shlex.split(args.serve_args)
    return args


def main() -> int:
    from coordinator.config import Config

    args = parse_args()
    ttl_s = Config.__dataclass_fields__['worker_ttl_s'].default
    print(f'bench_request_cost: {args.clients} clients x {args.requests} requests of each '
          f'kind, B = {args.batch}, serve {" ".join(args.serve_args) or "(defaults)"}, '
          f'{args.repeats} rounds, {os.cpu_count()} CPUs, load average '
          f'{os.getloadavg()[0]:.2f}', flush=True)
    costs, budgets, failed = {}, {}, 0
    for database in args.databases:
        url = (scratch_postgres.create(f'farm_reqcost_{os.getpid()}')
               if database == 'postgres' else '')
        try:
            rows = run_database(Target(database, url), args)
        finally:
            if url:
                scratch_postgres.drop(url)
        print_costs(database, rows)
        failed += sum(1 for row in rows if row['error'])
        costs[database] = {row['kind']: row.get('us') for row in rows}
        budgets[database] = budget(costs[database], args.agents, args.batch, ttl_s)
    print_budget(budgets, args.agents)
    print(f'\n(load average at the end {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs: '
          'the CPU per request grows when other work shares the cores)')
    report('request_cost', figures_of(costs, budgets, args.batch), args.json)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
