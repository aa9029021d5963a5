"""What is sent to define a Scale job type: its Seed manifest and configuration, checked.

The Seed and Scale rules live in coordinator.seed. Added here are the limits of what
this coordinator stores (the sizes of its columns, no NUL in their text, a timeout and a
priority its numbers hold, a nesting its JSON reader and writer handle), so that the
validation endpoint tells the truth about what POST would accept.
"""

from coordinator.api import bodies
from coordinator.errors import InvalidInput
from coordinator.models import JobType
from coordinator.seed.configuration import configuration_issues
from coordinator.seed.issues import Issue, Validation
from coordinator.seed.validation import normalise_and_validate

MAX_DEPTH = 32  # a Seed manifest is 6 deep, a configuration 4
MAX_TIMEOUT_S = 365 * 86_400
MAX_PRIORITY = 2**31 - 1
# the manifest's strings stored in a column of their own, and that column's length (None: any)
_STORED = (('name', JobType.name.max_length), ('jobVersion', JobType.version.max_length),
           ('title', JobType.title.max_length), ('description', None))


def checked(manifest, configuration) -> tuple[object, Validation]:
    """(the manifest brought up to Seed 1.0.0, what is wrong with it and the configuration).

    A manifest may be sent as the JSON text of one, as a Seed image's label holds it.
    """
    if isinstance(manifest, str):
        try:
            manifest = bodies.parse_object(manifest, 'the manifest, sent as a string,')
        except InvalidInput as exc:
            return manifest, Validation((Issue('JSON_VALIDATION_ERROR', exc.msg),))
    too_deep = _too_deep(manifest=manifest, configuration=configuration)
    if too_deep:
        return manifest, Validation(too_deep)
    manifest, validation = normalise_and_validate(manifest, configuration)
    return manifest, _within_limits(validation, manifest, configuration)


def checked_configuration(configuration, manifest: dict | None) -> Validation:
    """What is wrong with `configuration`, compared with a stored `manifest` if there is one."""
    too_deep = _too_deep(configuration=configuration)
    if too_deep:
        return Validation(too_deep)
    errors, warnings = configuration_issues(configuration, manifest)
    return _within_limits(Validation(tuple(errors), tuple(warnings)), None, configuration)


def refusal(validation: Validation) -> InvalidInput:
    """The 400 for a job type that is not valid, every error named."""
    return InvalidInput('the job type is not valid: ' + '; '.join(
        f'{issue.name}: {issue.description}' for issue in validation.errors))


def manifest_fields(manifest: dict) -> dict:
    """The fields of a job type that its manifest gives."""
    job = manifest['job']
    return {'title': job['title'], 'description': job['description'],
            'tags': job.get('tags', []), 'timeout_s': float(job['timeout'])}


def configuration_fields(configuration) -> dict:
    """The fields of a job type that a configuration gives: itself, and a priority if it has one."""
    fields = {'configuration': configuration}
    if configuration and 'priority' in configuration:
        fields['priority'] = configuration['priority']
    return fields


def _within_limits(validation: Validation, manifest, configuration) -> Validation:
    if not validation.is_valid:
        return validation
    errors = [*(_manifest_limits(manifest) if manifest is not None else ()),
              *_configuration_limits(configuration)]
    return Validation(tuple(errors), validation.warnings)


def _manifest_limits(manifest: dict) -> list[Issue]:
    job = manifest['job']
    issues = []
    for field, max_length in _STORED:
        if max_length is not None and len(job[field]) > max_length:
            issues.append(Issue('VALUE_TOO_LONG', f'job.{field} is {len(job[field])} characters '
                                                  f'long; this coordinator keeps {max_length}'))
        if '\x00' in job[field]:
            issues.append(Issue('NUL_CHARACTER', f'job.{field} contains a NUL character'))
    if job['timeout'] > MAX_TIMEOUT_S:
        issues.append(Issue('INVALID_TIMEOUT', f'job.timeout must be at most {MAX_TIMEOUT_S} '
                                               'seconds (a year)'))
    return issues


def _configuration_limits(configuration) -> list[Issue]:
    priority = (configuration or {}).get('priority', 1)
    if priority > MAX_PRIORITY:
        return [Issue('INVALID_PRIORITY', f'configuration.priority must be at most {MAX_PRIORITY}')]
    return []


def _too_deep(**documents) -> tuple[Issue, ...]:
    return tuple(Issue('JSON_VALIDATION_ERROR', f'the {name} is nested more than {MAX_DEPTH} '
                                                'levels deep')
                 for name, document in documents.items() if _depth(document) > MAX_DEPTH)


def _depth(document) -> int:
    """How deeply objects and arrays nest in `document`, counted without recursion."""
    deepest, pending = 0, [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if isinstance(value, (dict, list)):
            deepest = max(deepest, depth)
            if depth <= MAX_DEPTH:  # deeper is already too deep
                children = value.values() if isinstance(value, dict) else value
                pending.extend((child, depth + 1) for child in children)
    return deepest
