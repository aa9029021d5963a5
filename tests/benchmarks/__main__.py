"""`python -m tests.benchmarks all [--quick] [--only a,b] [--json PATH]` and `... list`.

`all` runs each benchmark script in turn (catalogue.py says with which arguments), each one's
output into `.bench/logs/<time>/<name>.log` and a line per benchmark on the terminal, then
prints one table of every figure against its target, the machine and its load, and writes the
combined JSON. Exit status 1 if a benchmark's run did not check out.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from . import runner, summary
from .catalogue import BENCHMARKS, Benchmark


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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog='python -m tests.benchmarks',
                                     description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest='command', required=True)
    commands.add_parser('list', help='the benchmarks, what each measures, its time budget')
    every = commands.add_parser('all', help='run the benchmarks, print one table of figures')
    every.add_argument('--quick', action='store_true',
                       help='small runs (about 5 minutes in all) instead of the full ones')
    every.add_argument('--only', metavar='A,B', help='these benchmarks only (names from list)')
    every.add_argument('--patience', type=float, default=runner.PATIENCE, metavar='N',
                       help='stop a benchmark at N times its budget (default %(default)s; '
                            'more on a machine busy with other work)')
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
    outcomes, facts = runner.run_all(benchmarks, args.quick, log_dir, env,
                                     patience=args.patience)
    json_paths = [log_dir / 'all.json'] + ([args.json] if args.json else [])
    return summary.publish(outcomes, facts, json_paths)


if __name__ == '__main__':
    sys.exit(main())
