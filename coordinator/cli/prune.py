"""`farm-coordinator prune`: delete finished work older than an age, archiving it first if asked."""

import argparse
import re
import time

from coordinator import archive, code_zips, schema
from coordinator.cli.terminal import count, when
from coordinator.store import retention


def add_parser(commands) -> None:
    prune = commands.add_parser(
        'prune', help='delete finished work older than an age, optionally archiving it first',
        description='Delete finished runs (with their tasks), finished queued work (IronWorker '
                    'tasks, Scale jobs, ndscheduler executions) and workers that left, all older '
                    'than AGE, a thousand rows per transaction so that coordinators keep serving '
                    'meanwhile; then the code package zips no revision names any more. Audit '
                    'entries stay.')
    prune.add_argument('--older-than', required=True, type=_age, metavar='AGE',
                       help='how long ago it ended: a number with s, m, h, d or w (e.g. 30d)')
    prune.add_argument('--dry-run', action='store_true', help='count what would go; delete nothing')
    prune.add_argument('--archive', metavar='PATH',
                       help='first write every deleted row to PATH (a new file), as gzipped JSON '
                            'lines {"table": ..., "row": {...}}')


_AGE_UNITS_S = {'s': 1, 'm': 60, 'h': 3600, 'd': 86400, 'w': 7 * 86400}


def _age(text: str) -> float:
    """`30d` and the like, in seconds (an argparse type: its errors read as usage errors)."""
    found = re.fullmatch(r'(\d+(?:\.\d+)?)([smhdw])', text.strip())
    if not found:
        raise argparse.ArgumentTypeError(f'{text!r} is not an age such as 90m, 12h, 30d or 2w')
    return float(found[1]) * _AGE_UNITS_S[found[2]]


def run(args, config) -> int:
    schema.upgrade()
    cutoff = time.time() - args.older_than
    if args.archive and not args.dry_run:
        with archive.Archive(args.archive) as kept:
            pruned = retention.prune(cutoff, keep=kept.keep)
        where = f'; {count(kept.rows, "row")} archived in {args.archive}'
    else:
        pruned, where = retention.prune(cutoff, dry_run=args.dry_run), ''
    # after the rows: a zip whose last revision went with them goes now too
    zips = code_zips.forget_unused(config.data_dir, retention.zips_in_use(), time.time(),
                                   dry_run=args.dry_run)
    verb = 'would delete' if args.dry_run else 'deleted'
    print(f'{verb} {count(pruned.runs, "run")} ({count(pruned.run_tasks, "task")}), '
          f'{count(pruned.queued_tasks, "queued task")}, {count(pruned.workers, "worker")} '
          f'that ended before {when(cutoff)}, {count(zips.files, "unused code zip")} '
          f'({zips.size_bytes / 2**20:.1f} MiB){where}')
    return 0
