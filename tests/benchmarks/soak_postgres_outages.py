"""Repeated PostgreSQL outages under load: the e2e outage test, with several outages in a row.

    .venv/bin/python tests/benchmarks/soak_postgres_outages.py --outages 5 --outage-s 30

runs tests/e2e/test_postgres_outage.py through scripts/test.sh (so on a private PostgreSQL
server of its own, never the shared one) with FARM_TEST_OUTAGES and FARM_TEST_OUTAGE_S set:
the server is stopped OUTAGES times for OUTAGE_S seconds, 5 s apart, while agents of every
family work OUTAGES times the default test's tasks. Every outage's answers must be 503s with
Retry-After, every task done once, the cron fire once. Needs root, as the suite does. Prints
pytest's outcome and the time it took; exits with pytest's status.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--outages', type=int, default=5, help='outages in a row (default 5)')
    parser.add_argument('--outage-s', type=float, default=20.0,
                        help='seconds each lasts (default 20)')
    args = parser.parse_args()
    env = {**os.environ, 'FARM_TEST_OUTAGES': str(args.outages),
           'FARM_TEST_OUTAGE_S': str(args.outage_s), 'FARM_TEST_SLURM': '0'}
    started = time.monotonic()
    done = subprocess.run([str(ROOT / 'scripts' / 'test.sh'), '-q', '-p', 'no:randomly',
                           'tests/e2e/test_postgres_outage.py'], cwd=ROOT, env=env)
    print(f'{args.outages} outages of {args.outage_s:g} s: '
          f'{"passed" if done.returncode == 0 else "FAILED"} in {time.monotonic() - started:.0f} s')
    return done.returncode


if __name__ == '__main__':
    sys.exit(main())
