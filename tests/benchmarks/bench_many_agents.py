"""Many agents (issue 16, run 2): thousands of simulated farmworker agents on one coordinator.

`.venv/bin/python tests/benchmarks/bench_many_agents.py` starts, for each database
(`--databases`, SQLite and PostgreSQL), a fresh `farm-coordinator serve` (gunicorn) and
`--agents` simulated agents (tests/sim_agents.py) from a few client processes, one keep-alive
connection each: every other agent works one run (`farmworker run`), the others serve every
job type (`farmworker serve`), with `--slots` slots, heartbeating every quarter of the worker
TTL (15 s at the default 60 s), claiming for free slots with their results riding along.
Their tasks take a random 5-60 s and only take time. Agents start spread over `--ramp`
seconds, claim for `--duration` seconds more, then stop claiming, finish their tasks, report
and leave. It prints, per run, the client-side latency of each request type (count, p50,
p99, max, errors), the coordinator's CPU, and whether the run checked out: no agent declared
lost, no task claimed twice (by the agents' ledgers and by the store's attempts), every task
handed out done once, every request answered 2xx. `--sweep 500,1000,2000,4000` runs each
count and reports the largest that holds p99 < 100 ms; `--fallback 1500,1000,500` runs those
counts, largest first, only where `--agents` misses, until one holds, and reports it (the
full benchmark run's way to name the largest count without a whole sweep); `--quick` is a
small short run.
Figures go through figures.py (`--json PATH`); the exit status is 1 if a run did not check
out.
"""

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]  # the other benchmarks' helpers; tests.*

from bench_big_tables import drop_database, postgres_database  # noqa: E402
from bench_farmworker import Target, _open, add_coordinator_options, worker_cpu  # noqa: E402
from bench_serve import TypePlan, fill  # noqa: E402
from bench_taskfarm import PASSWORD, busy_cpu  # noqa: E402
from figures import Figure, add_json_option, report  # noqa: E402

from tests import sim_agents, sim_outcome  # noqa: E402

P99_TARGET_MS = 100.0
AGENTS_TARGET = 2000  # issue 16: 2,000 agents hold p99 < 100 ms
AGENTS_PER_PROCESS = 1000  # client processes: one asyncio loop per this many agents
WORK_MARGIN = 1.5  # queue this many times the work the agents can do, so none goes idle


def work_needed(agents: int, args) -> int:
    """Tasks `agents` can start before they stop claiming, with a margin: enough for either
    kind of agent alone (serve agents take a run's tasks too)."""
    mean_s = sum(args.task_s) / 2
    return int(WORK_MARGIN * agents * args.slots * (args.ramp + args.duration) / mean_s) + 100


def run_once(kind: str, agents: int, args) -> dict:
    """A fresh database and coordinator, `agents` simulated agents, then the store checked."""
    from farmworker.client import Client

    with tempfile.TemporaryDirectory(prefix='bench-many-') as tmp:
        workdir, server, private = Path(tmp), None, None
        try:
            url = args.postgres_url
            if kind == 'postgres' and url is None:  # a database of its own, dropped after
                private = postgres_database('manyagents', workdir / 'pg')
                url = private.url
            target = Target(kind, url)
            server, token = target.start(workdir, args.serve_args)
            server.wait_ready()
            needed = work_needed(agents, args)
            client = Client(server.url, token)
            run = client.call('POST', '/runs', {'num_tasks': needed, 'command': ['true']})['uuid']
            client.close()
            fill(target.url(workdir), PASSWORD, needed, [TypePlan('sim', 0, None, False)])
            db_cpu, before = target.db_processes(), {}

            def started() -> None:
                before.update(server=server.cpu_seconds(), db=db_cpu.snapshot(),
                              busy=busy_cpu(), wall=time.perf_counter())

            processes = args.processes or max(2, math.ceil(agents / AGENTS_PER_PROCESS))
            reports = sim_agents.crowd(sim_agents.plans(
                agents, processes, urls=[server.url], token=token, run=run, slots=args.slots,
                ramp_s=args.ramp, task_s=args.task_s, claim_for_s=args.ramp + args.duration),
                args.max_seconds or args.ramp + args.duration + args.task_s[1] + 180, started)
            result = {
                'kind': kind, 'agents': agents, 'wall_s': time.perf_counter() - before['wall'],
                'server_cpu_s': server.cpu_seconds() - before['server'],
                'db_cpu_s': db_cpu.delta(before['db'], db_cpu.snapshot()),
                'busy_cpu_s': busy_cpu() - before['busy'],
                'worker_cpu_s': sorted(worker_cpu(server).values(), reverse=True),
                'load': os.getloadavg()}
            server.stop()  # SQLite: read a quiet file; either way nothing writes any more
            database = _open(target.url(workdir))
            try:
                rows = sim_outcome.read_rows(database)
            finally:
                database.close()
            outcome = sim_outcome.merge(reports)
            return {**result, 'outcome': outcome, 'rows': rows,
                    'problems': sim_outcome.problems(outcome, rows)}
        except Exception as exc:  # report the run as failed, go on with the others
            return {'kind': kind, 'agents': agents,
                    'problems': [f'FAILED {type(exc).__name__}: {str(exc)[:300]}']}
        finally:
            if server is not None:
                server.stop()
            if private is not None:
                drop_database(private)


def describe(result: dict) -> str:
    """A run's figures: a line, then a table of its request types."""
    head = f"{result['kind']}, {result['agents']:,} agents: "
    if 'outcome' not in result:
        return head + '; '.join(result['problems'])
    outcome, wall = result['outcome'], result['wall_s']
    coordinator_s = result['server_cpu_s'] + result['db_cpu_s']
    lines = [head + f"{wall:.0f} s, {outcome.total_requests / wall:,.0f} requests/s, "
             f"{len(outcome.completed):,} tasks done; coordinator CPU {coordinator_s:.0f} s "
             f"= {coordinator_s / wall:.2f} cores ({result['db_cpu_s']:.0f} s PostgreSQL; per "
             f"gunicorn worker {', '.join(f'{c:.0f}' for c in result['worker_cpu_s'])} s), "
             f"{1e6 * coordinator_s / max(outcome.total_requests, 1):,.0f} us per request; "
             f"clients {outcome.client_cpu_s:.0f} s CPU, their event loops late by up to "
             f"{outcome.loop_lag_p99_ms or 0:.0f} ms (p99); machine busy "
             f"{result['busy_cpu_s'] / wall:.2f} of {os.cpu_count()} cores, load average "
             f"{result['load'][0]:.1f}",
             '| request | count | p50 ms | p99 ms | max ms | errors |',
             '|---|---:|---:|---:|---:|---:|']
    for kind, figures in outcome.requests.items():
        lines.append(f"| {kind} | {figures['count']:,} | {figures['p50_ms']:.1f} | "
                     f"{figures['p99_ms']:.1f} | {figures['max_ms']:.0f} | {figures['errors']} |")
    lines.append('checks: ' + ('; '.join(result['problems']) or 'ok (none lost, none claimed '
                                                                'twice, every task done once)'))
    return '\n'.join(lines)


def figures_of(result: dict, per_type: bool) -> list[Figure]:
    """A run's figures against their targets: p99 of each request type (or the worst, in a
    sweep), lost agents, duplicate claims, failed requests."""
    label = f"{result['kind']}, {result['agents']:,} agents"
    if 'outcome' not in result:
        return [Figure(f'run ({label})', None, note='; '.join(result['problems'])[:200])]
    outcome, rows = result['outcome'], result['rows']
    if per_type:
        figures = [Figure(f'p99 {kind} ({label})', round(r['p99_ms'], 1), 'ms', '<',
                          P99_TARGET_MS) for kind, r in outcome.requests.items()]
    else:
        figures = [Figure(f'p99, worst request type ({label})', round(outcome.worst_p99_ms, 1),
                          'ms', '<', P99_TARGET_MS)]
    lost = rows.workers.get('lost', 0) + outcome.rejoins
    coordinator_s = result['server_cpu_s'] + result['db_cpu_s']
    return figures + [
        Figure(f'lost agents ({label})', lost, '', '<=', 0),
        Figure(f'duplicate claims ({label})', outcome.duplicate_claims + rows.retried, '', '<=', 0),
        Figure(f'failed requests ({label})', outcome.errors, '', '<=', 0),
        Figure(f'coordinator CPU per request ({label})',
               round(1e6 * coordinator_s / max(outcome.total_requests, 1)), 'us',
               note=f"{coordinator_s / result['wall_s']:.2f} cores, load "
                    f"{result['load'][0]:.1f}")]


def largest_holding(results: list[dict]) -> int | None:
    """The largest agent count whose run checked out with every p99 under the target."""
    held = [r['agents'] for r in results if 'outcome' in r and not r['problems']
            and r['outcome'].worst_p99_ms < P99_TARGET_MS]
    return max(held, default=None)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--agents', type=int, default=2000,
                        help='simulated agents (default %(default)s)')
    parser.add_argument('--sweep', type=lambda text: [int(n) for n in text.split(',') if n],
                        help='agent counts to run in turn, e.g. 500,1000,2000,4000; reports the '
                             'largest holding p99 < 100 ms')
    parser.add_argument('--fallback', type=lambda text: [int(n) for n in text.split(',') if n],
                        help='where --agents misses p99 < 100 ms, these counts in turn, largest '
                             'first, until one holds; reports the largest holding')
    parser.add_argument('--duration', type=float, default=180,
                        help='seconds of claiming after the ramp (default %(default)s)')
    parser.add_argument('--ramp', type=float, default=60,
                        help='seconds over which the agents start (default %(default)s)')
    parser.add_argument('--slots', type=int, default=4, help='slots per agent (default 4)')
    parser.add_argument('--task-s', type=lambda text: tuple(map(float, text.split('-'))),
                        default=(5.0, 60.0), help='task durations, MIN-MAX seconds (default 5-60)')
    parser.add_argument('--processes', type=int, default=0,
                        help=f'client processes (default: one per {AGENTS_PER_PROCESS} agents, '
                             'at least 2)')
    parser.add_argument('--quick', action='store_true',
                        help='200 agents, a 10 s ramp, 40 s of claiming, tasks of 5-30 s')
    add_coordinator_options(parser)
    parser.set_defaults(max_seconds=None, postgres_url=None)  # computed; a private database
    add_json_option(parser)
    args = parser.parse_args()
    if args.quick:
        args.agents, args.ramp, args.duration, args.task_s = 200, 10.0, 40.0, (5.0, 30.0)
    args.databases = [d for d in args.databases.split(',') if d]
    args.serve_args = ['--workers', str(args.workers), '--threads', str(args.threads)]
    return args


def main() -> int:
    args = parse_args()
    counts = args.sweep or [args.agents]
    print(f'bench_many_agents: {", ".join(map(str, counts))} agents x {args.slots} slots, '
          f'{args.ramp:g} s ramp + {args.duration:g} s, tasks of {args.task_s[0]:g}-'
          f'{args.task_s[1]:g} s, coordinator {" ".join(args.serve_args)}, {os.cpu_count()} '
          f'CPUs, load average {os.getloadavg()[0]:.2f}', flush=True)
    results, figures = [], []
    for kind in args.databases:
        of_kind = []

        def measure(count: int, per_type: bool) -> None:
            of_kind.append(run_once(kind, count, args))
            print('\n' + describe(of_kind[-1]), flush=True)
            figures.extend(figures_of(of_kind[-1], per_type))

        for count in counts:
            measure(count, per_type=not args.sweep)
        for count in sorted(args.fallback or (), reverse=True):
            if largest_holding(of_kind) is not None:
                break
            measure(count, per_type=False)
        if args.sweep or args.fallback:
            tried = sorted({result['agents'] for result in of_kind})
            figures.append(Figure(f'largest agent count holding p99 < 100 ms ({kind})',
                                  largest_holding(of_kind), 'agents', '>=', AGENTS_TARGET,
                                  note=f"of {', '.join(map(str, tried))}"))
        results += of_kind
    report('many agents', figures, args.json)
    print(f'\nload average at the end: {" ".join(f"{x:.2f}" for x in os.getloadavg())}')
    return 1 if any(result['problems'] for result in results) else 0


if __name__ == '__main__':
    sys.exit(main())
