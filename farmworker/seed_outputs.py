"""What a finished job left in its OUTPUT_DIR, as its result: JSON outputs and files, bounded.

JSON outputs come from `seed.outputs.json` (Seed's name) or else `outputs.json`: the
members a Seed manifest's `outputs.json` declares, by name (read at `key` when it is
given), or the whole object when none are declared (a plain command). Output files are
the manifest's `outputs.files` glob patterns matched in OUTPUT_DIR, not recursively, as
Seed says, and reported as absolute paths. The job wrote all of it, so nothing of it
is trusted: any problem is a `BadOutput` with a message, never an exception the agent
did not expect.
"""

import glob
import json
import os
import stat
from pathlib import PurePath

from farmworker.seed_inputs import has_json_type

OUTPUTS_FILES = ('seed.outputs.json', 'outputs.json')  # read in this order, the first found
MAX_OUTPUT_BYTES = 64 * 1024  # of the outputs file, and of the result made from it


class BadOutput(ValueError):
    """The outputs are missing, malformed or too large."""


def collect(output_dir: str | os.PathLike, interface_outputs: dict | None) -> dict:
    """`{"files": {name: [paths]}, "json": {...}}` of a job that exited 0; `interface_outputs`
    is its Seed interface's `outputs` (None for a plain command)."""
    declared = interface_outputs or {}
    output = {'files': _files(output_dir, declared.get('files', [])),
              'json': _json(output_dir, declared.get('json', []))}
    if not output['files'] and not output['json']:
        return output  # nothing to check: most jobs of a plain command write no outputs
    _check_text(output)
    try:
        size = len(json.dumps(output, ensure_ascii=False).encode())
    except RecursionError:
        raise BadOutput('the outputs are nested too deeply to send') from None
    if size > MAX_OUTPUT_BYTES:
        raise BadOutput(f'the outputs take {size} bytes as JSON, more than the '
                        f'{MAX_OUTPUT_BYTES} a result may hold')
    return output


def _json(output_dir: str | os.PathLike, declared: list[dict]) -> dict:
    name, document = read_outputs_file(output_dir)
    if not declared:
        return document or {}
    captured = {}
    for element in declared:
        key = element.get('key', element['name'])
        if document is None or key not in document:
            if element.get('required', True):
                where = f'{name} has no member {key!r}' if name else (
                    f'the job wrote neither {" nor ".join(OUTPUTS_FILES)}')
                raise BadOutput(f'the required JSON output {element["name"]} is missing: {where}')
            continue
        if not has_json_type(document[key], element['type']):
            raise BadOutput(f'the JSON output {element["name"]} ({name} member {key!r}) must be '
                            f'of type {element["type"]}, not {type(document[key]).__name__}')
        captured[element['name']] = document[key]
    return captured


def read_outputs_file(output_dir: str | os.PathLike) -> tuple[str | None, dict | None]:
    """(file name, object) of the first outputs file found, or (None, None)."""
    for name in OUTPUTS_FILES:
        try:
            # O_NONBLOCK: a FIFO in its place would otherwise keep the agent waiting for a writer
            fd = os.open(os.path.join(output_dir, name), os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise BadOutput(f'{name} cannot be read: {exc.strerror}') from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):  # a directory, a FIFO, a device
            os.close(fd)
            raise BadOutput(f'{name} is not a regular file')
        with open(fd, 'rb') as file:
            raw = file.read(MAX_OUTPUT_BYTES + 1)
        if len(raw) > MAX_OUTPUT_BYTES:
            raise BadOutput(f'{name} holds more than {MAX_OUTPUT_BYTES} bytes')
        try:
            document = json.loads(raw.decode(), parse_constant=_no_constant,
                                  parse_float=_finite)
        except UnicodeDecodeError:
            raise BadOutput(f'{name} is not UTF-8 text') from None
        except (ValueError, RecursionError) as exc:
            raise BadOutput(f'{name} is not JSON: {exc}') from None
        if not isinstance(document, dict):
            raise BadOutput(f'{name} must hold a JSON object, not {type(document).__name__}')
        return name, document
    return None, None


def _no_constant(word: str):
    raise ValueError(f'{word} is not a JSON number')


def _finite(text: str) -> float:
    """A JSON number as a float; one too large for a float (1e999) is refused, not infinity,
    which JSON cannot carry to the coordinator."""
    number = float(text)
    if number in (float('inf'), float('-inf')):
        raise ValueError(f'{text[:20]} is too large a number')
    return number


def _files(output_dir: str | os.PathLike, declared: list[dict]) -> dict[str, list[str]]:
    found = {}
    for element in declared:
        name, pattern = element['name'], element['pattern']
        if os.path.isabs(pattern) or '..' in PurePath(pattern).parts:
            raise BadOutput(f'the output {name} has the pattern {pattern!r}, which reaches '
                            'outside OUTPUT_DIR')
        matches = sorted(glob.glob(pattern, root_dir=output_dir))
        paths = [os.path.join(output_dir, match) for match in matches]
        paths = [path for path in paths if os.path.isfile(path)]
        if not paths:
            if element.get('required', True):
                raise BadOutput(f'the required output {name}: no file in OUTPUT_DIR matches '
                                f'{pattern!r}')
            continue
        if len(paths) > 1 and not element.get('multiple', False):
            raise BadOutput(f'the output {name} is one file, but {len(paths)} match {pattern!r}')
        found[name] = paths
    return found


def _check_text(value) -> None:
    """Refuse text no database stores: NUL, and lone surrogates (a JSON '\\udcff')."""
    pending = [value]
    while pending:  # not recursive: the nesting is as deep as the job made it
        item = pending.pop()
        if isinstance(item, dict):
            pending += item.keys()
            pending += item.values()
        elif isinstance(item, list):
            pending += item
        elif isinstance(item, str):
            if '\x00' in item:
                raise BadOutput('the outputs hold a NUL character, which a result cannot store')
            try:
                item.encode()
            except UnicodeEncodeError:
                raise BadOutput('the outputs hold text that is not Unicode (a lone surrogate)'
                                ) from None
