"""Why a task failed: its error category (SYSTEM, ALGORITHM, DATA) and the error, by name.

Scale's rules, with Scale's names for the built-in errors. An exit code that the
type's Seed manifest maps in `job.errors` is that error: `category: data` is DATA,
`job` (or none) ALGORITHM. Any other failed exit is ALGORITHM `algorithm-unknown`.
What is not the task's own doing is SYSTEM: killed at its timeout (`timeout`), its
worker lost (`node-lost`), or an executor fault, such as an exit status the agent
could not learn (`unknown`).
"""

import dataclasses
import enum
import functools
import json


class Category(str, enum.Enum):
    """Whose fault a failure was: the node's or coordinator's, the job's own, or its data's."""

    SYSTEM = 'SYSTEM'
    ALGORITHM = 'ALGORITHM'
    DATA = 'DATA'


@dataclasses.dataclass(frozen=True, slots=True)
class Error:
    """One error a task can fail with; `builtin` unless a manifest defined it."""

    name: str
    category: Category
    title: str | None = None
    description: str | None = None
    builtin: bool = False


def _builtin(name: str, category: Category, title: str, description: str) -> Error:
    return Error(name, category, title, description, builtin=True)


ALGORITHM_UNKNOWN = _builtin('algorithm-unknown', Category.ALGORITHM, 'Algorithm Unknown',
                             'The job exited with a code its manifest does not map to an error.')
TIMEOUT = _builtin('timeout', Category.SYSTEM, 'Timeout',
                   'The job ran longer than its timeout and was killed.')
NODE_LOST = _builtin('node-lost', Category.SYSTEM, 'Node Lost',
                     'The agent running the job stopped answering, or left without it.')
UNKNOWN = _builtin('unknown', Category.SYSTEM, 'Unknown',
                   'The agent could not run the job or learn how it ended (an executor fault); '
                   'its log may say more.')
BUILTIN = {error.name: error for error in (ALGORITHM_UNKNOWN, TIMEOUT, NODE_LOST, UNKNOWN)}
# how an agent's outcome names a failure (reports.Outcome's values), and the reaper a lost one
FAILED, TIMED_OUT, SYSTEM_ERROR, LOST = 'failed', 'timeout', 'system_error', 'lost'
_NOT_THE_JOBS = {TIMED_OUT: TIMEOUT, SYSTEM_ERROR: UNKNOWN, LOST: NODE_LOST}
_MANIFEST_CATEGORIES = {'data': Category.DATA, 'job': Category.ALGORITHM}

ExitErrors = dict[int, Error]  # a manifest's errors by exit code


def classify(outcome: str, exit_code: int | None, errors: ExitErrors | None = None) -> Error:
    """The error a failed attempt ended with: `outcome` is how it failed (FAILED, TIMED_OUT,
    SYSTEM_ERROR, LOST); `errors` the exit codes its type's manifest maps, if it has one."""
    if outcome in _NOT_THE_JOBS:
        return _NOT_THE_JOBS[outcome]
    return (errors or {}).get(exit_code, ALGORITHM_UNKNOWN)


@functools.lru_cache(maxsize=512)
def exit_errors(manifest_text: str | None) -> ExitErrors:
    """The errors a Seed manifest's JSON text maps exit codes to (none for no manifest).

    Cached by the text, so a batch of results of one revision reads its manifest once; a
    revision never changes, and a text that does is another key.
    """
    if not manifest_text:
        return {}
    try:
        manifest = json.loads(manifest_text)
    except ValueError:
        return {}
    job = manifest.get('job') if isinstance(manifest, dict) else None
    listed = job.get('errors') if isinstance(job, dict) else None
    found = {}
    for error in listed if isinstance(listed, list) else ():
        mapped = _manifest_error(error)
        if mapped is not None:
            found.setdefault(error['code'], mapped)
    return found


def _manifest_error(error) -> Error | None:
    """A manifest's `job.errors` item as an Error; None for one without a whole exit code.

    Stored manifests were validated, and named (from their title) where Seed 1.0.0's
    `name` was missing; an item without one still maps, under its exit code.
    """
    if not isinstance(error, dict):
        return None
    code = error.get('code')
    if not isinstance(code, int) or isinstance(code, bool):
        return None
    name = error.get('name')
    category = _MANIFEST_CATEGORIES.get(error.get('category'), Category.ALGORITHM)
    return Error(name if isinstance(name, str) and name else f'error-{code}', category,
                 _text(error.get('title')), _text(error.get('description')))


def _text(value) -> str | None:
    return value if isinstance(value, str) else None
