"""Runs one benchmark script as a subprocess, its output to a log file, and reads its figures.

A script that crashes, overruns its budget many times over or writes no figures becomes an
Outcome that says so, and the runner goes on with the next one.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from .catalogue import HERE, Benchmark
from .figures import Figure, machine

ROOT = HERE.parents[1]
OK, FAILED, ABSENT = 'ok', 'failed', 'not present'
# a script is stopped at this many times its budget (all --patience): slow on a busy
# machine is not hung
PATIENCE = 3


@dataclass
class Outcome:
    """What one benchmark's run came to: `status` ok, failed or not present, and why."""

    name: str
    script: str
    status: str
    detail: str = ''
    arguments: list[str] = field(default_factory=list)
    exit_code: int | None = None
    seconds: float = 0.0
    log: str = ''
    figures: list[Figure] = field(default_factory=list)
    machine: dict = field(default_factory=dict)

    @property
    def checked_out(self) -> bool:
        """A missing script is not a failed run: it is on a branch not merged yet."""
        return self.status != FAILED


def figures_from(json_path: Path) -> tuple[list[Figure], dict]:
    """The figures and machine a script wrote with `figures.report(..., json_path)`."""
    written = json.loads(json_path.read_text())
    figures = [Figure(f['name'], f.get('value'), f.get('unit', ''), f.get('op'), f.get('target'),
                      f.get('note', '')) for f in written['figures']]
    return figures, written.get('machine', {})


def stop_group(proc: subprocess.Popen) -> None:
    """Stop the script's process group: SIGINT first, so that its own clean-up stops the
    servers it started (they run in sessions of their own), then SIGTERM, then SIGKILL."""
    for sig, grace in ((signal.SIGINT, 30), (signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)  # the group started below for this script alone
        except ProcessLookupError:
            return
        try:
            proc.wait(grace)
            return
        except subprocess.TimeoutExpired:
            continue


def hear_interrupts() -> None:
    """In the child: SIGINT as Python expects it. A runner started in the background by a
    shell ignores SIGINT, and its children would inherit that and never run their clean-up."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run(benchmark: Benchmark, quick: bool, log_dir: Path, json_dir: Path, env: dict,
        folder: Path = HERE, patience: float = PATIENCE) -> Outcome:
    """Run one script to its end (or to `patience` times its budget), read what it wrote."""
    script = benchmark.path(folder)
    arguments = benchmark.arguments(quick)
    outcome = Outcome(benchmark.name, benchmark.script, ABSENT, arguments=arguments)
    if not script.exists():
        outcome.detail = f'{script.name} is not in this checkout'
        return outcome
    json_path = json_dir / f'{benchmark.name}.json'
    command = [sys.executable, str(script), *arguments, '--json', str(json_path)]
    log = log_dir / f'{benchmark.name}.log'
    outcome.log = str(log)
    started = time.monotonic()
    with open(log, 'w') as out:
        out.write(f'$ {" ".join(command)}\n')
        out.flush()
        # a session of its own, so a hung script and the servers it started can be stopped
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=hear_interrupts)
        try:
            outcome.exit_code = proc.wait(timeout=patience * benchmark.budget_s)
        except subprocess.TimeoutExpired:
            stop_group(proc)
            outcome.detail = (f'stopped after {patience * benchmark.budget_s:.0f} s '
                              f'({patience:g} times its budget)')
        except BaseException:  # Ctrl-C: leave nothing of ours running
            stop_group(proc)
            raise
    outcome.seconds = time.monotonic() - started
    return judged(outcome, json_path)


def last_words(log: Path, limit: int = 160) -> str:
    """The last line a script printed, which for a crash names the exception."""
    lines = [line.strip() for line in log.read_text(errors='replace').splitlines() if line.strip()]
    return lines[-1][:limit] if lines else ''


def judged(outcome: Outcome, json_path: Path) -> Outcome:
    """ok only if the script exited 0 and wrote figures; its figures are kept either way."""
    if json_path.exists():
        try:
            outcome.figures, outcome.machine = figures_from(json_path)
        except (ValueError, KeyError, TypeError) as exc:
            outcome.detail = outcome.detail or f'unreadable figures: {type(exc).__name__}: {exc}'
    elif not outcome.detail:
        words = last_words(Path(outcome.log)) if outcome.log else ''
        outcome.detail = 'wrote no figures' + (f' (last line: {words})' if words else '')
    if outcome.exit_code not in (0, None) and not outcome.detail:
        outcome.detail = f'exit {outcome.exit_code}: a run did not check out'
    elif outcome.exit_code not in (0, None):
        outcome.detail = f'exit {outcome.exit_code}, {outcome.detail}'
    outcome.status = FAILED if outcome.detail else OK
    return outcome


def postgres_url(env: dict) -> str | None:
    """FARM_BENCH_POSTGRES_URL, or a database of this checkout's own on the server that
    scripts/services.sh starts (the benchmarks wipe it, so it is never the tests' database)."""
    if env.get('FARM_BENCH_POSTGRES_URL'):
        return env['FARM_BENCH_POSTGRES_URL']
    name = f'farm_bench_{zlib.crc32(str(ROOT).encode())}'
    try:
        done = subprocess.run([str(ROOT / 'scripts' / 'services.sh'), 'start', 'postgres'],
                              capture_output=True, text=True, timeout=900,
                              env={**env, 'PG_DB': name})
    except (OSError, subprocess.TimeoutExpired) as exc:
        print(f'PostgreSQL not started: {exc}', flush=True)
        return None
    if done.returncode != 0:
        print(f'PostgreSQL not started (scripts/services.sh): {done.stderr.strip()[-300:]}',
              flush=True)
        return None
    return done.stdout.strip().splitlines()[-1]


def verdict(outcome: Outcome) -> str:
    """The end of a benchmark's progress line."""
    if outcome.status == ABSENT:
        return 'not present'
    missed = sum(1 for f in outcome.figures if f.met is False)
    count = len(outcome.figures)
    figures = f'{count} figure{"s" * (count != 1)}' + (f', {missed} missed' if missed else '')
    status = 'ok' if outcome.status == OK else f'FAILED ({outcome.detail})'
    return f'{status}, {figures}, {outcome.seconds:.0f} s'


def echo(text: str, end: str = '\n') -> None:
    print(text, end=end, flush=True)


def where_and_when(started_load: float, total_s: float, quick: bool) -> dict:
    """The machine, its load at the start and the end, how long it all took."""
    return {**machine(), 'load_1m_at_start': round(started_load, 2),
            'total_s': round(total_s, 1), 'mode': 'quick' if quick else 'full'}


def run_all(benchmarks: list[Benchmark], quick: bool, log_dir: Path, env: dict,
            folder: Path = HERE, echo=echo,
            patience: float = PATIENCE) -> tuple[list[Outcome], dict]:
    """Every benchmark in turn; the outcomes and the machine facts of the whole run."""
    started, load = time.monotonic(), os.getloadavg()[0]
    log_dir.mkdir(parents=True, exist_ok=True)
    if any(b.postgres for b in benchmarks) and 'FARM_BENCH_POSTGRES_URL' not in env:
        url = postgres_url(env)
        if url:
            env = {**env, 'FARM_BENCH_POSTGRES_URL': url}
    outcomes = []
    with tempfile.TemporaryDirectory(prefix='bench-all-') as json_dir:
        for index, benchmark in enumerate(benchmarks, 1):
            echo(f'[{index}/{len(benchmarks)}] {benchmark.name} ...', end=' ')
            outcome = run(benchmark, quick, log_dir, Path(json_dir), env, folder, patience)
            outcomes.append(outcome)
            echo(verdict(outcome))
    return outcomes, where_and_when(load, time.monotonic() - started, quick)
