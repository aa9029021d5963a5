"""`farm`'s entry point: the parser of every command, and one line on stderr for whatever goes wrong."""

import argparse
import logging
import os
import sys

from farmworker.client import CoordinatorError
from farmworker.farm import (allocations, iron_tasks, job_types, login, queue, runs, schedules,
                             submit, tasks, workers)
from farmworker.farm.session import FarmError, explain

DESCRIPTION = """\
farm: submit runs of numbered tasks to a task-farm coordinator, start workers
for them (local agents or Slurm jobs), and watch and manage them from a login
node; see the job types that queued work belongs to and the schedules that queue
it, and pause or resume them.
"""

EPILOG = """\
the coordinator and token come from FARM_URL and FARM_TOKEN, else from
~/.config/farm/config.toml, which `farm login URL` writes (mode 0600).
Runs are named by their uuid or its first characters, as `farm runs` shows it;
`last` is the newest run. Job types are named NAME [VERSION], as
`farm job-types` lists them. IronWorker tasks are named by their 24-hex id, as
`farm iron-tasks` lists them.
Every command takes --json for scripts.

example:
  farm login http://login1:8080
  farm submit --local 4 --tasks 100 -- ./simulate.sh --case {task}
  farm run wait last && echo all done
  farm submit --nodes 2 --time 01:00:00 --each-line cases.txt -- ./simulate.sh {line}
  farm job-type queue tiler 1.2.0 --input '{"SCENE": "/data/s1.tif"}'
  farm alloc add cpu --time 02:00:00 --max-jobs 8

exit status: 0 success; 1 an error (told on stderr); 2 bad usage;
  3 `farm run wait`: the run ended with failed or cancelled tasks;
  124 `farm run wait --timeout` ran out.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog='farm', description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--json', action='store_true',
                        help='print the facts as JSON for scripts, instead of for people')
    commands = parser.add_subparsers(dest='command', required=True, metavar='COMMAND')
    for module in (login, submit, runs, tasks, workers, queue, job_types, iron_tasks,
                   schedules, allocations):
        module.add_parsers(commands, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv, sbatch_args = allocations.split_sbatch_args(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if sbatch_args is not None:
        args.sbatch_args = sbatch_args
    # the protocol client narrates its retries for agent logs; here the outcome is what counts
    logging.getLogger('farmworker').setLevel(logging.ERROR)
    try:
        return args.handler(args)
    except FarmError as error:
        print(f'farm: {error}', file=sys.stderr)
        return 1
    except CoordinatorError as error:
        print(f'farm: {explain(error)}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print('farm: interrupted', file=sys.stderr)
        return 130
    except BrokenPipeError:  # `farm runs | head`: the reader left, which is not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no 2nd error at exit
        return 0
    except Exception as exc:  # a bug or a reply off the contract: still one line, unless debugging
        if os.environ.get('FARM_DEBUG'):
            raise
        print(f'farm: unexpected {type(exc).__name__}: {exc} (FARM_DEBUG=1 shows where)',
              file=sys.stderr)
        return 1


if __name__ == '__main__':
    sys.exit(main())
