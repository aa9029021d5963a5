"""Every benchmark the runner knows: its script, what it measures, its arguments and time budget.

The full arguments are chosen so that `python -m tests.benchmarks all` finishes within 30
minutes on an idle 2-core machine (the budgets below add up to 29 min 15 s); each script
run by itself with its defaults goes further (e.g. 10^7 rows for big tables, a 3-minute steady
state of 2,000 agents). `--quick` takes about 5 minutes.
A script that is not in the checkout is shown as "not present", so benchmarks written on other
branches join by being merged. A new script joins by an entry here, takes `--json PATH` (see
figures.py) and exits 1 when a run did not check out.
"""

from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Benchmark:
    """One script and how the runner calls it."""

    name: str
    script: str
    measures: str
    full: tuple[str, ...]
    quick: tuple[str, ...]
    budget_s: int  # what the full run takes here, rounded up (runner.PATIENCE: its cap)
    postgres: bool = False  # it reads FARM_BENCH_POSTGRES_URL, a database it may wipe

    def path(self, folder: Path = HERE) -> Path:
        return folder / self.script

    def arguments(self, quick: bool) -> list[str]:
        return list(self.quick if quick else self.full)


BENCHMARKS = [
    Benchmark('app_inproc', 'bench_app_inproc.py',
              'coordinator CPU per stock taskfarm task without HTTP (the Falcon app as WSGI)',
              full=('--tasks', '3000', '--repeats', '3'),
              quick=('--tasks', '1000', '--repeats', '1'), budget_s=30),
    Benchmark('taskfarm', 'bench_taskfarm.py',
              'this coordinator against PyPI taskfarm 0.4.0 with stock clients: CPU per task, '
              'tasks/s, and a 10^6-row table against an empty one',
              full=('--tasks', '1000', '--repeats', '3', '--big-rows', '1000000'),
              quick=('--tasks', '500', '--repeats', '1', '--big-rows', '100000',
                     '--skip-broken'), budget_s=180),
    Benchmark('farmworker', 'bench_farmworker.py',
              'task lifecycles/s of farmworker agents over the native protocol (no-op and '
              '`true`), SQLite and PostgreSQL',
              full=('--tasks', '50000', '--true-tasks', '3000', '--repeats', '3'),
              quick=('--tasks', '20000', '--true-tasks', '1000', '--repeats', '1'),
              budget_s=180, postgres=True),
    Benchmark('serve', 'bench_serve.py',
              'queued jobs of 100 job types and IronWorker tasks drained by serve agents, '
              'SQLite and PostgreSQL',
              full=('--scenarios', 'serve,iron', '--tasks', '20000', '--repeats', '3'),
              quick=('--scenarios', 'serve,iron', '--tasks', '10000', '--repeats', '1'),
              budget_s=180, postgres=True),
    Benchmark('serve_processes', 'bench_serve.py',
              'queued jobs and IronWorker tasks of no-op code, each run as a real `sh` by serve '
              'agents: the IronWorker rate against the job-types rate, SQLite and PostgreSQL',
              full=('--scenarios', 'serve,iron', '--executor', 'process', '--batch', '32',
                    '--poll', '0.005', '--tasks', '3000', '--repeats', '3'),
              quick=('--scenarios', 'serve,iron', '--executor', 'process', '--batch', '32',
                     '--poll', '0.005', '--tasks', '1500', '--repeats', '1'),
              budget_s=90, postgres=True),
    Benchmark('big_tables', 'bench_big_tables.py',
              'every hot request with 10^6 task rows against an empty database, and the '
              "coordinator's RSS, SQLite and PostgreSQL",
              full=('--rows', '1000000', '--requests', '100', '--postgres'),
              quick=('--quick', '--requests', '40'), budget_s=360),
    Benchmark('iron_queue', 'bench_iron_queue.py',
              'IronWorker tasks queued per second, 100 per POST',
              full=(), quick=('--repeats', '1', '--requests', '25'), budget_s=45),
    Benchmark('tui', 'bench_tui.py',
              "one refresh of farm-tui's Runs screen over 1,000 runs: request and UI thread",
              full=(), quick=('--runs', '200', '--repeats', '5'), budget_s=60),
    Benchmark('many_agents', 'bench_many_agents.py',
              '2,000 simulated agents heartbeating, claiming and reporting: p99 latency, none '
              'lost, none twice, and the largest count that holds p99 < 100 ms',
              full=('--agents', '2000', '--ramp', '30', '--duration', '90',
                    '--fallback', '1000,500'),
              quick=('--quick', '--databases', 'postgres'), budget_s=540),
    Benchmark('scale_out', 'bench_scale_out.py',
              '1, 2 and 4 coordinator processes over one PostgreSQL: aggregate tasks/s, '
              'exactly once', full=(), quick=('--quick',), budget_s=180),
    Benchmark('request_cost', 'bench_request_cost.py',
              'coordinator CPU per claim, report and heartbeat, and the budget for 10,000 agents',
              full=(), quick=('--quick',), budget_s=150),
]
