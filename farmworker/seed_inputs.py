"""A claimed job's inputs: read from its payload, checked against its Seed interface, staged.

The payload is JSON text, `{"input": {NAME: value, ...}}` (other members are ignored,
and no payload is no inputs). A file input's value is an absolute path on the node
(shared file systems are how HPC jobs see data), or a list of them; a JSON input's
value is any JSON value of its declared type.
"""

import dataclasses
import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

MIB = 1024 * 1024
# Seed's own rule for the names of inputs, outputs and settings (the manifest schema's)
NAME = re.compile(r'[A-Za-z0-9_-]+')
_JSON_TYPES = {'array': list, 'boolean': bool, 'integer': int, 'number': (int, float),
               'object': dict, 'string': str}


class BadInput(ValueError):
    """The payload does not give the job what its interface asks for."""


@dataclasses.dataclass
class Staged:
    """A job's inputs, ready: environment variables, the paths to bind, their size."""

    variables: dict[str, str] = dataclasses.field(default_factory=dict)
    unset: set[str] = dataclasses.field(default_factory=set)  # optional inputs not given
    paths: list[str] = dataclasses.field(default_factory=list)  # host files and directories
    volume_mib: float = 0.0  # what file inputs hold: Seed's `inputMultiplier` scales it


def normalised(name: str) -> str:
    """A Seed name as the environment variable Seed names after it (`my-input` → MY_INPUT)."""
    return name.upper().replace('-', '_')


def as_text(value) -> str:
    """A JSON value as a job sees it in its command and environment: a string as itself,
    anything else as its JSON text (Seed: arrays and objects "string encoded")."""
    return value if isinstance(value, str) else json.dumps(value)


def has_json_type(value, json_type: str) -> bool:
    """Whether `value` (parsed JSON) is of the JSON schema type named (a bool is no number)."""
    if isinstance(value, bool) and json_type != 'boolean':
        return False
    return isinstance(value, _JSON_TYPES.get(json_type, ()))


def read_payload(payload: str | None) -> dict:
    """The inputs a payload gives, by name."""
    if payload is None or not payload.strip():
        return {}
    try:
        document = json.loads(payload)
    except (ValueError, RecursionError) as exc:
        raise BadInput(f'the payload is not JSON: {exc}') from None
    if not isinstance(document, dict):
        raise BadInput('the payload must be a JSON object such as {"input": {"NAME": value}}')
    inputs = document.get('input')
    if inputs is None:
        return {}
    if not isinstance(inputs, dict):
        raise BadInput('the payload\'s "input" must be an object of inputs by name')
    return inputs


def stage(interface_inputs: dict, inputs: dict, staging_dir: Path) -> Staged:
    """Check `inputs` against a Seed interface's `inputs` and make them environment variables;
    a `multiple` file input given as a list gets a directory of links in `staging_dir`."""
    files, json_inputs = interface_inputs.get('files', []), interface_inputs.get('json', [])
    declared = [element['name'] for element in (*files, *json_inputs)]
    unknown = sorted(set(inputs) - set(declared))
    if unknown:
        raise BadInput(f'the payload gives {", ".join(unknown)}, which the job type does not '
                       f'take (it takes {", ".join(declared) or "no inputs"})')
    staged = Staged()
    for element in (*files, *json_inputs):
        name = element['name']
        if inputs.get(name) is None:
            if element.get('required', True):
                raise BadInput(f'the required input {name} is missing from the payload')
            staged.unset.add(normalised(name))
    for element in files:
        if inputs.get(element['name']) is not None:
            _stage_file(element, inputs[element['name']], staging_dir, staged)
    for element in json_inputs:
        name, value = element['name'], inputs.get(element['name'])
        if value is None:
            continue
        if not has_json_type(value, element['type']):
            raise BadInput(f'the input {name} must be of JSON type {element["type"]}, not '
                           f'{type(value).__name__}')
        staged.variables[normalised(name)] = as_text(value)
    return staged


def _stage_file(element: dict, value, staging_dir: Path, staged: Staged) -> None:
    name, multiple = element['name'], element.get('multiple', False)
    paths = [value] if isinstance(value, str) else value
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        raise BadInput(f'the file input {name} must be a path or a list of paths')
    for path in paths:
        if not os.path.isabs(path):
            raise BadInput(f'the file input {name} must be an absolute path, not {path!r}')
    if multiple and len(paths) == 1 and os.path.isdir(paths[0]):
        staged.variables[normalised(name)] = paths[0]  # Seed hands such an input as a directory
        staged.paths.append(paths[0])
        try:
            staged.volume_mib += _size_mib([entry.path for entry in os.scandir(paths[0])])
        except OSError as exc:
            raise BadInput(f'the file input {name}: {paths[0]} cannot be read: '
                           f'{exc.strerror}') from None
        return
    for path in paths:
        if not os.path.isfile(path):
            raise BadInput(f'the file input {name}: {path} is not a file on this node')
    staged.paths += paths
    staged.volume_mib += _size_mib(paths)
    if not multiple:
        if len(paths) > 1:
            raise BadInput(f'the file input {name} takes one file, not {len(paths)}')
        staged.variables[normalised(name)] = paths[0]
        return
    directory = staging_dir / name
    directory.mkdir(parents=True)
    for path in paths:
        link = directory / os.path.basename(path)
        if os.path.lexists(link):
            raise BadInput(f'the file input {name} has two files named {link.name}')
        link.symlink_to(path)
    staged.variables[normalised(name)] = str(directory)


def _size_mib(paths: Iterable[str]) -> float:
    total = 0
    for path in paths:
        try:
            total += os.stat(path).st_size
        except OSError:  # gone or unreadable now: the job itself will say so
            pass
    return total / MIB
