"""Results on their way to the coordinator: made from how tasks ended, sent in batches, settled.

An agent's outbox maps each of its tasks, (key, attempt), to the latest result
for it, oldest first; the key is a task's number in its run, or its id (`serve`),
and a result names it under that name. A result stays there until the coordinator has answered for
it, however long it is away; it is fenced by the attempt, so the coordinator may
refuse it (a stale attempt, a text no database stores), and a refused result leaves
the outbox too.
"""

import itertools
import logging

from farmworker.executors import Finished

log = logging.getLogger(__name__)
RESULTS_PER_REQUEST = 1000  # the coordinator's limit per request
Key = tuple[int, int]  # a task's number (or id) and attempt
Outbox = dict[Key, dict]

# What a refused final result keeps when it goes once more: the fields the agent sets itself,
# none of the task's text (output, messages), which is what a result may be refused for.
_BARE_FIELDS = ('number', 'id', 'attempt', 'outcome', 'exit_code')


def result_of(done: Finished, *, hurried: bool, key: str = 'number') -> dict:
    """The result to report for a task that ended; `hurried`: once a drain was asked for."""
    result = {key: done.number, 'attempt': done.attempt, 'log_tail': done.log_tail}
    # killed by a signal once the agent was told to drain: most likely Slurm's own SIGTERM at
    # the time limit reaching the task, not the task's fault, so it is handed back without
    # using a try
    signalled = done.exit_code is not None and done.exit_code < 0
    if done.terminated or (hurried and signalled):
        return dict(result, outcome='released')
    if done.timed_out:
        return dict(result, outcome='timeout', msg=f'killed after {done.duration_s:.0f} s')
    if done.exit_unknown:  # the node's fault (SIGCHLD ignored?), not the task's: SYSTEM
        return dict(result, outcome='system_error',
                    msg='exit status unknown: another process reaped the task')
    if done.exit_code == 0:
        return dict(result, outcome='complete', exit_code=0)
    return dict(result, outcome='failed', exit_code=done.exit_code)


def pending(outbox: Outbox) -> tuple[list[Key], list[dict]]:
    """The outbox's first results, as many as one request may carry, and their keys."""
    keys = list(itertools.islice(outbox, RESULTS_PER_REQUEST))
    return keys, [{k: v for k, v in outbox[key].items() if v is not None} for key in keys]


def settle(outbox: Outbox, keys: list[Key], results: list[dict], receipt: dict, *,
           resend: bool = True, key: str = 'number') -> None:
    """The coordinator answered for these results: they leave the outbox, refused or not.

    A refused final result goes once more without the task's text (`resend`): the task
    would otherwise stay running on the coordinator for as long as this agent heartbeats.
    """
    refused = {(r[key], r['attempt']): r['reason'] for r in receipt['refused']}
    for task, result in zip(keys, results):
        del outbox[task]
        if task not in refused:
            continue
        bare = _bare(result) if resend else None
        log.warning('result for task %s attempt %s refused: %s%s', *task, refused[task],
                    '; sending it again without its text' if bare else '')
        if bare:
            outbox[task] = bare


def refused_as_lost(results: list[dict], key: str = 'number') -> dict:
    """The receipt a lost agent's results would get: all refused (their attempts were requeued)."""
    return {'refused': [{key: r[key], 'attempt': r['attempt'],
                         'reason': 'this agent was declared lost'} for r in results]}


def _bare(result: dict) -> dict | None:
    """A refused result to send again without its text, or None.

    None for progress (the next will do) and for a result with no text to drop: its
    refusal was about the task, such as a stale attempt.
    """
    bare = {key: result[key] for key in _BARE_FIELDS if key in result}
    return bare if result['outcome'] != 'running' and len(bare) < len(result) else None
