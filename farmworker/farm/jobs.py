"""`farm job-type queue NAME VERSION --input JSON|@FILE [--priority N]`: one job of a job type.

`add_action` puts `queue` among the actions of the `job-type` command, which
farm.job_types makes with show, pause and resume.
"""

import argparse
import json
import sys
from pathlib import Path

from farmworker.farm import output
from farmworker.farm.session import FarmError, connect

INPUT_HELP = ('the inputs as a JSON object of input name to value (a file input takes a path), '
              'or @FILE to read it from a file, @- from standard input (default: {})')
EPILOG = """\
example:
  farm job-type queue tiler 1.2.0 --input '{"SCENE": "/data/s1.tif", "LEVEL": 3}'
  farm job-type queue tiler 1.2.0 --input @inputs.json --priority 50

The coordinator checks the inputs against the type's Seed manifest: every input it
requires, none it does not declare, JSON inputs of their type. A paused type keeps the
job queued until it is resumed.
"""


def add_action(actions, common) -> None:
    parser = actions.add_parser(
        'queue', parents=[common], help='queue one job of the type with its inputs',
        description='Queue one job of a job type, with its inputs; print the job.',
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('name', metavar='NAME', help='the job type, as farm job-types lists it')
    parser.add_argument('version', metavar='VERSION', help='its version')
    parser.add_argument('--input', metavar='JSON|@FILE', default='{}', help=INPUT_HELP)
    parser.add_argument('--priority', type=int, metavar='N',
                        help="higher is handed out first (default: the type's priority)")
    parser.set_defaults(handler=queue_job)


def queue_job(args) -> int:
    job = connect().queue_job(args.name, args.version, read_inputs(args.input), args.priority)
    if args.json:
        output.print_json(job)
        return 0
    job_type = job['job_type']
    output.console().print(
        f"Job {job['id']} of {output.escape(job_type['name'])} "
        f"{output.escape(job_type['version'])} queued at priority {job['priority']}: "
        f"{output.styled(job['status'])}.")
    return 0


def read_inputs(text: str) -> dict:
    """The inputs of --input: JSON text, or @FILE (@- standard input) holding it."""
    where = 'the --input JSON'
    if text.startswith('@'):
        where = 'standard input' if text == '@-' else text[1:]
        try:
            text = sys.stdin.read() if text == '@-' else Path(text[1:]).read_text()
        except OSError as exc:
            raise FarmError(f'cannot read --input {where}: {exc.strerror or exc}') from None
    try:
        inputs = json.loads(text)
    except ValueError as exc:
        raise FarmError(f'{where} is not JSON: {exc}') from None
    if not isinstance(inputs, dict):
        raise FarmError(f'{where} must be a JSON object of input name to value, not '
                        f'{type(inputs).__name__}')
    return inputs
