"""Checking a document against a JSON Schema, each problem said in one readable line."""

import functools
import re

from jsonschema import Draft4Validator, ValidationError, validators

from coordinator.seed.words import TYPE_NAMES, describe, member, names, shown

MAX_PROBLEMS = 20


def _pattern(validator, pattern: str, instance, schema):
    """Draft 4's `pattern`, read as JSON Schema's regular expressions (ECMA-262) read it.

    Python's `$` also matches before a final newline, so jsonschema's own `pattern` lets
    '1.0.0\\n' pass '^...$'; ECMA-262's does not. Every pattern here ends in an unescaped `$`.
    """
    if validator.is_type(instance, 'string') and not _ecma(pattern).search(instance):
        yield ValidationError(f'does not match {pattern}')


@functools.cache
def _ecma(pattern: str) -> re.Pattern:
    return re.compile(pattern[:-1] + r'\Z' if pattern.endswith('$') else pattern)


StrictDraft4Validator = validators.extend(Draft4Validator, {'pattern': _pattern})


def problems(document, validator, root: str, prefix: str = '') -> list[str]:
    """What is wrong with `document` by `validator`'s schema, one line each, at most
    MAX_PROBLEMS of them (then how many more); `root` names the document ('the manifest'), and
    `prefix` begins the paths of its members ('configuration' for configuration.priority)."""
    lines = list(dict.fromkeys(_line(error, root, prefix)
                               for error in validator.iter_errors(document)))
    if len(lines) > MAX_PROBLEMS:
        more = len(lines) - MAX_PROBLEMS + 1
        lines = lines[:MAX_PROBLEMS - 1] + [f'… and {more} more problems with {root}']
    return lines


def _line(error: ValidationError, root: str, prefix: str) -> str:
    where = _path(prefix, error.absolute_path) if error.absolute_path else root
    value, rule = error.instance, error.validator_value
    if error.validator == 'type':
        return f'{where} must be {TYPE_NAMES.get(rule, rule)}, not {describe(value)}'
    if error.validator == 'required':
        missing = [name for name in rule if name not in value]
        return f'{where} is missing the required {_fields(missing)}'
    if error.validator == 'additionalProperties':
        unknown = sorted(set(value) - set(error.schema.get('properties', {})))
        return f'{where} has the unknown {_fields(unknown)}'
    if error.validator == 'enum':
        return f'{where} must be one of {", ".join(map(shown, rule))}, not {describe(value)}'
    if error.validator == 'pattern':
        meaning = error.schema.get('description', f'matching {rule}')
        return f'{where} is {describe(value)}, which is not {meaning}'
    return f'{where} is {describe(value)}, which the schema\'s {error.validator!r} rule refuses'


def _fields(field_names: list[str]) -> str:
    return ('field ' if len(field_names) == 1 else 'fields ') + names(field_names)


def _path(prefix: str, parts) -> str:
    """job.errors[0].code from ('job', 'errors', 0, 'code')."""
    text = prefix
    for part in parts:
        text = f'{text}[{part}]' if isinstance(part, int) else member(text, part)
    return text
