"""Task command lines from argv templates, and the environment each task runs with."""

# Commands are argv lists run without a shell, so substitution is plain text replacement per
# element: there is no quoting to get wrong and a value can never become extra arguments.

import re
from collections.abc import Mapping, Sequence

# '{{name}}' (an escape) or '{name}' not preceded by '$'. '${name}' is left alone: it is shell
# parameter expansion inside an explicit `sh -c '...'`, and FARM_TASK etc. serve that case.
_PLACEHOLDER = re.compile(r'\{\{([A-Za-z_]\w*)\}\}|(?<!\$)\{([A-Za-z_]\w*)\}')

# The agent's credential: it may claim and report for the whole run. A task is user code
# whose output is logged and shipped, so it must neither see nor leak it; tasks report
# progress through the agent (`farmworker progress`), which needs no token.
HIDDEN_VARIABLES = ('FARM_TOKEN',)


def render(template: Sequence[str], values: Mapping[str, str]) -> list[str]:
    """`template` with each '{name}' for a name in `values` replaced by its value.

    Every other brace is kept as written, so `awk '{print $1}'`, `${HOME}` and placeholders
    that are not in `values` pass through unchanged. To pass a literal '{task}' write
    '{{task}}'; the doubling is only undone for names in `values`, so Go-template arguments
    such as '{{end}}' survive. Values are inserted once and never re-expanded.
    """
    def substitute(match: re.Match[str]) -> str:
        escaped, name = match.group(1), match.group(2)
        if escaped is not None:
            return '{' + escaped + '}' if escaped in values else match.group(0)
        return str(values[name]) if name in values else match.group(0)

    return [_PLACEHOLDER.sub(substitute, arg) for arg in template]


def placeholders(template: Sequence[str]) -> set[str]:
    """Names written as '{name}' in `template`, so a caller can warn about unknown ones."""
    return {match.group(2) for arg in template for match in _PLACEHOLDER.finditer(arg)
            if match.group(2) is not None}


def task_environment(base: Mapping[str, str], *, task: int, run: str, attempt: int,
                     task_dir: str, slots: int) -> dict[str, str]:
    """A copy of `base` for one task: FARM_* facts added, the agent's secrets removed."""
    environ = {key: value for key, value in base.items() if key not in HIDDEN_VARIABLES}
    environ.update({
        'FARM_TASK': str(task),
        'FARM_RUN': str(run),
        'FARM_ATTEMPT': str(attempt),
        'FARM_TASK_DIR': str(task_dir),
        'FARM_SLOTS': str(slots),
    })
    return environ
