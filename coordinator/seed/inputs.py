"""A job's inputs checked against its Seed manifest's `interface.inputs`, one message a mistake.

Inputs are one JSON object of name to value. A file input's value is the path of a file
the job reads (this coordinator has no file store: agents read shared filesystems),
or, when the input takes `multiple` files, a list of paths. A JSON input's value must be
of the JSON type the manifest gives it. Inputs are required unless the manifest says
`"required": false`; a name the manifest does not declare is a mistake, as is null (an
optional input is left out instead).
"""

import math

from coordinator.seed.words import TYPE_NAMES, describe, member, names

MAX_PATH_CHARS = 4096  # PATH_MAX on Linux


def input_problems(manifest: dict | None, inputs: dict) -> list[str]:
    """What is wrong with `inputs` for a type of `manifest` (none for a type without one)."""
    if manifest is None:
        return []
    declared = _declared(manifest)
    problems = []
    unknown = [name for name in inputs if name not in declared]
    if unknown:
        known = names(sorted(declared)) if declared else 'none'
        problems.append(f'input {names(unknown)}: not an input of this job type (its inputs: '
                        f'{known})')
    missing = [name for name, (_, spec) in declared.items()
               if spec.get('required', True) and name not in inputs]
    if missing:
        problems.append(f'input {names(missing)} is required')
    for name, value in inputs.items():
        if name in declared:
            kind, spec = declared[name]
            problem = (_file_problem if kind == 'files' else _json_problem)(value, spec)
            if problem:
                problems.append(f'{member("input", name)} {problem}')
    return problems


def _declared(manifest: dict) -> dict[str, tuple[str, dict]]:
    """Every input the manifest declares: name -> ('files' or 'json', its declaration)."""
    interface = manifest.get('job', {}).get('interface') or {}
    inputs = interface.get('inputs') or {}
    return {spec['name']: (kind, spec) for kind in ('files', 'json')
            for spec in inputs.get(kind) or () if isinstance(spec, dict) and 'name' in spec}


def _file_problem(value, spec: dict) -> str | None:
    if spec.get('multiple', False) and isinstance(value, list):
        if not value:
            return 'must list at least one path'
        return next((f'[{index}] {problem}' for index, item in enumerate(value)
                     for problem in [_path_problem(item)] if problem), None)
    problem = _path_problem(value)
    if problem and isinstance(value, list):
        return 'must be one path: this file input does not take multiple files'
    return problem


def _path_problem(value) -> str | None:
    if not isinstance(value, str) or not value:
        return f'must be the path of a file, not {describe(value)}'
    if len(value) > MAX_PATH_CHARS:
        return f'is a path longer than {MAX_PATH_CHARS} characters'
    if '\x00' in value:
        return 'is a path with a NUL character'
    return None


_CHECKS = {
    'string': lambda value: isinstance(value, str),
    'integer': lambda value: isinstance(value, int) and not isinstance(value, bool),
    'number': lambda value: (isinstance(value, (int, float)) and not isinstance(value, bool)
                             and math.isfinite(value)),
    'boolean': lambda value: isinstance(value, bool),
    'object': lambda value: isinstance(value, dict),
    'array': lambda value: isinstance(value, list),
}


def _json_problem(value, spec: dict) -> str | None:
    kind = spec.get('type')
    check = _CHECKS.get(kind)
    if check is None or check(value):
        return None
    return f'must be {TYPE_NAMES[kind]}, not {describe(value)}'
