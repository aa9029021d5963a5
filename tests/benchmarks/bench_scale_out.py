"""Scale-out: 1, 2 and 4 coordinator processes over one PostgreSQL, agents spread across them.

`.venv/bin/python tests/benchmarks/bench_scale_out.py [--quick] [--json PATH]` creates a
PostgreSQL database of its own on the test server (scripts/services.sh; dropped at the end)
and, in rounds that alternate the order of the counts, for each count N of `--counts`:

  - wipes and initialises the database, starts N `farm-coordinator serve` gunicorn masters
    on N ports (the product's default workers and threads, or `--serve-args`);
  - creates one run of `--tasks` tasks and lets `--agents` no-op agent processes (the real
    `farmworker` Agent and Client with bench_farmworker's NoopExecutor: batched claims with
    the results riding on the next claim) work it, agent i talking to coordinator i mod N;
  - checks exactly-once in the same run, as bench_farmworker does: the run's counters, no
    task number started twice or never (client side), and the rows after the servers stopped
    (one per number, all complete, attempt 1).

It prints a line per run, the medians per count, where the CPU went (coordinators,
PostgreSQL, agents, the rest of the machine) and the figures: aggregate tasks/s per count,
scaling against 1 coordinator (target >= 2.5 at 4 on a machine of >= 8 cores, otherwise
"does not fall": >= 0.9) and duplicates (none). Exit status 1 if any run did not check out.
"""

import argparse
import os
import shlex
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the other benchmarks' helpers, also when not run as a script

import scratch_postgres  # noqa: E402
from bench_farmworker import Target, conclude, describe, medians, run_once  # noqa: E402
from bench_taskfarm import BIN, Server, clean_env, free_port  # noqa: E402
from figures import Figure, add_json_option, report  # noqa: E402

MANY_CORES = 8  # from here on the machine has the cores for real scaling


class Fleet:
    """N coordinators over one database, which bench_farmworker.drive takes for one server:
    agents spread over `urls`, CPU summed over every gunicorn tree, `stop` stops them all."""

    def __init__(self, servers: list[Server]):
        self.servers = servers
        self.urls = [server.url for server in servers]
        self.url = self.urls[0]  # where the run is created and its status asked
        self.master = self  # bench_farmworker.worker_cpu reads master.children()

    def children(self) -> list:
        return [child for server in self.servers for child in server.master.children()]

    def cpu_seconds(self) -> float:
        return sum(server.cpu_seconds() for server in self.servers)

    def stop(self) -> None:
        for server in self.servers:
            server.stop()

    def wait_ready(self) -> None:
        for server in self.servers:
            server.wait_ready()


class Coordinators(Target):
    """The PostgreSQL database served by `count` coordinators: bench_farmworker.run_once
    starts them, as it starts one, from a freshly initialised database."""

    def __init__(self, postgres_url: str, count: int):
        super().__init__('postgres', postgres_url)
        self.count = count

    def start(self, workdir: Path, serve_args: list[str]) -> tuple[Fleet, str]:
        folders = [workdir / f'coordinator-{i}' for i in range(self.count)]
        for folder in folders:
            folder.mkdir()
        first, token = super().start(folders[0], serve_args)  # wipes, inits, adds the user
        servers = [first]
        try:
            for folder in folders[1:]:
                port = free_port()
                servers.append(Server([str(BIN / 'farm-coordinator'), '--database-url',
                                       self.postgres_url, 'serve', *serve_args,
                                       '--bind', f'127.0.0.1:{port}'], port, folder,
                                      clean_env()))
        except BaseException:
            Fleet(servers).stop()
            raise
        return Fleet(servers), token


def cpu_split(summary: dict, cores: int) -> str:
    """Where the busy CPU of the machine went, in % of what the cores could give."""
    capacity = cores * summary['wall_s']
    parts = [('coordinators', summary['srv_cpu_s']), ('PostgreSQL', summary['db_cpu_s']),
             ('agents', summary['agent_cpu_s']), ('other', summary['other_cpu_s'])]
    shares = ', '.join(f'{name} {100 * cpu / capacity:.0f}%' for name, cpu in parts)
    # psutil's busy time of this VM can exceed cores x wall under heavy load: never below 0
    idle = max(0.0, 100 * (1 - summary['busy_cpu_s'] / capacity))
    return f'{shares}, idle {idle:.0f}%'


def print_cpu_table(summaries: dict, cores: int) -> None:
    print(f'\nWhere the CPU went (share of {cores} cores x wall time, medians):\n')
    print('| coordinators | tasks/s | CPU us per task: coordinators + PostgreSQL + agents '
          '| share of the machine |\n|---|---:|---|---|')
    for name, summary in summaries.items():
        if 'tasks_s' not in summary:
            print(f'| {name} | - | no run checked out | |')
            continue
        per_task = 1e6 / summary['tasks']
        print(f"| {name} | {summary['tasks_s']:,.0f} | {summary['srv_cpu_s'] * per_task:.0f} + "
              f"{summary['db_cpu_s'] * per_task:.0f} + {summary['agent_cpu_s'] * per_task:.0f} "
              f"| {cpu_split(summary, cores)} |")


def figures(summaries: dict, runs: dict, counts: list[int], cores: int) -> list[Figure]:
    rates = {count: summaries[label(count)].get('tasks_s') for count in counts}
    out = [Figure(f'tasks/s, {label(count)}', rates[count], 'tasks/s',
                  note=f"load {summaries[label(count)].get('load', '?')}") for count in counts]
    many = cores >= MANY_CORES
    for count in counts[1:]:
        ratio = (rates[count] / rates[counts[0]]
                 if rates[count] is not None and rates[counts[0]] else None)
        goal = 2.5 if many and count >= 4 else 0.9
        why = 'with the cores for it' if goal > 1 else f'{cores} cores: does not fall'
        out.append(Figure(f'scaling {count} / {counts[0]} coordinators', ratio, 'x', '>=', goal,
                          why))
    duplicates = sum(r.get('dups', 0) + max(r.get('max_attempt', 1) - 1, 0)
                     for results in runs.values() for r in results)
    out.append(Figure('duplicates (started twice or attempt > 1, all runs)', duplicates, '',
                      '<=', 0))
    failed = sum(1 for results in runs.values() for r in results if r['problems'])
    out.append(Figure('runs not exactly-once or failed', failed, '', '<=', 0))
    return out


def label(count: int) -> str:
    return f'{count} coordinator' + ('s' if count > 1 else '')


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--counts', default='1,2,4',
                        help='coordinator processes, comma-separated (default %(default)s)')
    parser.add_argument('--agents', type=int, default=4,
                        help='agent processes, spread evenly (default %(default)s)')
    parser.add_argument('--tasks', type=int, help='tasks of each run (default 20000, '
                                                  '--quick 4000)')
    parser.add_argument('--batch', type=int, default=100,
                        help='slots per agent = tasks per claim at most (default %(default)s)')
    parser.add_argument('--poll', type=float, default=0.0, help='agent poll_s (default 0)')
    parser.add_argument('--repeats', type=int, help='rounds (default 3, --quick 1)')
    parser.add_argument('--serve-args', default='',
                        help="flags for each `farm-coordinator serve`, e.g. '--workers 1' "
                             '(default: none, the product defaults)')
    parser.add_argument('--max-seconds', type=float, default=180,
                        help='wall-clock cap of one run (default %(default)s)')
    parser.add_argument('--quick', action='store_true', help='fewer tasks, one round')
    add_json_option(parser)
    args = parser.parse_args()
    args.counts = sorted({int(c) for c in args.counts.split(',') if c})
    args.tasks = args.tasks or (4_000 if args.quick else 20_000)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.serve_args = shlex.split(args.serve_args)
    args.true_slots, args.true_poll = args.batch, args.poll  # what drive reads for `true`
    return args


def main() -> int:
    args = parse_args()
    cores = os.cpu_count() or 1
    print(f'bench_scale_out: {args.counts} coordinators, {args.agents} agents, batch '
          f'{args.batch}, {args.tasks} tasks, serve {" ".join(args.serve_args) or "(defaults)"}, '
          f'{args.repeats} rounds, {cores} CPUs, load average {os.getloadavg()[0]:.2f}',
          flush=True)
    url = scratch_postgres.create(f'farm_scaleout_{os.getpid()}')
    runs = {label(count): [] for count in args.counts}
    loads = {label(count): [] for count in args.counts}
    try:
        for round_number in range(1, args.repeats + 1):
            print(f'\nround {round_number}/{args.repeats}:', flush=True)
            # every other round in reverse, so no count always runs first or last
            ordered = args.counts if round_number % 2 else args.counts[::-1]
            for count in ordered:
                loads[label(count)].append(os.getloadavg()[0])
                runs[label(count)].append(run_once(Coordinators(url, count), 'noop',
                                                   args.tasks, args))
                print(f'  {label(count)} (load {loads[label(count)][-1]:.1f}): '
                      + describe(runs[label(count)][-1]), flush=True)
    finally:
        scratch_postgres.drop(url)
    summaries = {name: medians(results) for name, results in runs.items()}
    for name, summary in summaries.items():
        summary['load'] = round(statistics.median(loads[name]), 1)
    status = conclude(runs, summaries, cores, args.repeats,
                      lambda: print_cpu_table(summaries, cores))
    report('scale_out', figures(summaries, runs, args.counts, cores), args.json)
    return status


if __name__ == '__main__':
    sys.exit(main())
