"""`python -m tests.benchmarks all [--quick] [--only a,b] [--json PATH]` and `... list`.

`all` runs each benchmark script in turn (catalogue.py says with which arguments), each one's
output into `.bench/logs/<time>/<name>.log` and a line per benchmark on the terminal, then
prints one table of every figure against its target, the machine and its load, and writes the
combined JSON. Exit status 1 if a benchmark's run did not check out.
"""

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from . import runner, summary
from .catalogue import BENCHMARKS, HERE, Benchmark


def listed() -> str:
    lines = ['| benchmark | script | present | budget | measures |', '|---|---|:---:|---:|---|']
    for b in BENCHMARKS:
        present = 'yes' if b.path().exists() else 'no'
        lines.append(f'| {b.name} | {b.script} | {present} | {b.budget_s // 60} min '
                     f'{b.budget_s % 60:02d} s | {b.measures} |')
    total = sum(b.budget_s for b in BENCHMARKS)
    lines.append(f'\nBudget of `all`: {total // 60} min {total % 60:02d} s. Arguments: '
                 'tests/benchmarks/catalogue.py.')
    return '\n'.join(lines)


def chosen(only: str | None) -> list[Benchmark]:
    if not only:
        return list(BENCHMARKS)
    names = [name.strip() for name in only.split(',') if name.strip()]
    known = {b.name: b for b in BENCHMARKS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f'unknown benchmark(s): {", ".join(unknown)}; '
                         f'known: {", ".join(known)}')
    return [known[name] for name in names]


def verdict(outcome: runner.Outcome) -> str:
    """The end of a benchmark's progress line."""
    if outcome.status == runner.ABSENT:
        return 'not present'
    missed = sum(1 for f in outcome.figures if f.met is False)
    figures = f'{len(outcome.figures)} figures' + (f', {missed} targets missed' if missed else '')
    status = 'ok' if outcome.status == runner.OK else f'FAILED ({outcome.detail})'
    return f'{status}, {figures}, {outcome.seconds:.0f} s'


def echo(text: str, end: str = '\n') -> None:
    print(text, end=end, flush=True)


def run_all(benchmarks: list[Benchmark], quick: bool, log_dir: Path, env: dict,
            folder: Path = HERE, echo=echo) -> tuple[list[runner.Outcome], dict]:
    """Every benchmark in turn; the outcomes and the machine facts of the whole run."""
    started, load = time.monotonic(), summary.load_now()
    log_dir.mkdir(parents=True, exist_ok=True)
    if any(b.postgres for b in benchmarks) and 'FARM_BENCH_POSTGRES_URL' not in env:
        url = runner.postgres_url(env)
        if url:
            env = {**env, 'FARM_BENCH_POSTGRES_URL': url}
    outcomes = []
    with tempfile.TemporaryDirectory(prefix='bench-all-') as json_dir:
        for index, benchmark in enumerate(benchmarks, 1):
            echo(f'[{index}/{len(benchmarks)}] {benchmark.name} ...', end=' ')
            outcome = runner.run(benchmark, quick, log_dir, Path(json_dir), env, folder)
            outcomes.append(outcome)
            echo(verdict(outcome))
    return outcomes, summary.where_and_when(load, time.monotonic() - started, quick)


def report(outcomes: list[runner.Outcome], facts: dict, json_paths: list[Path]) -> int:
    print('\n' + summary.combined_table(outcomes))
    print('\n' + summary.tally(outcomes))
    print(summary.describe_machine(facts))
    combined = json.dumps(summary.combined_json(outcomes, facts), indent=2)
    for path in json_paths:
        path.write_text(combined)
    print('figures written to ' + ', '.join(str(p) for p in json_paths))
    return 0 if all(o.checked_out for o in outcomes) else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tests.benchmarks',
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('list', help='the benchmarks, what each measures, its time budget')
    every = commands.add_parser('all', help='run the benchmarks, print one table of figures')
    every.add_argument('--quick', action='store_true',
                       help='small runs (about 5 minutes in all) instead of the full ones')
    every.add_argument('--only', metavar='A,B', help='these benchmarks only (names from list)')
    every.add_argument('--json', type=Path, metavar='PATH',
                       help='also write the combined figures here (always in the log folder)')
    args = parser.parse_args(argv)
    if args.command == 'list':
        print(listed())
        return 0
    benchmarks = chosen(args.only)
    log_dir = runner.ROOT / '.bench' / 'logs' / time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())
    print(f'{len(benchmarks)} benchmarks, {"quick" if args.quick else "full"} run; each one\'s '
          f'output in {log_dir}/', flush=True)
    env = {**os.environ, 'PYTHONUNBUFFERED': '1'}  # the logs fill as the scripts print
    outcomes, facts = run_all(benchmarks, args.quick, log_dir, env)
    return report(outcomes, facts, [log_dir / 'all.json'] + ([args.json] if args.json else []))


if __name__ == '__main__':
    sys.exit(main())
