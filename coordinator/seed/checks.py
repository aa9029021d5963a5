"""Checks of a schema-valid Seed manifest that its JSON Schema cannot express."""

import collections
import math

from coordinator.seed.issues import Issue
from coordinator.seed.words import clip, describe, names, shown

STANDARD_RESOURCES = ('cpus', 'mem', 'disk', 'gpus', 'sharedmem')  # compared in lower case
# Variables the executor sets itself, which no input, setting or resource may also set.
RESERVED_VARIABLES = ('OUTPUT_DIR',)
# The fixed paths under /v6/job-types/ that a type of the same name would be hidden behind.
RESERVED_JOB_NAMES = ('validation', 'status', 'pending', 'running', 'system-failures')


def manifest_errors(manifest: dict) -> list[Issue]:
    """What makes a manifest that passed the schema unusable all the same."""
    job = manifest['job']
    interface = job.get('interface', {})
    return [*_name_and_timeout(job), *_error_duplicates(job.get('errors', [])),
            *_mount_errors(interface.get('mounts', [])),
            *_setting_duplicates(interface.get('settings', [])),
            *_variable_collisions(job), *_output_collisions(interface.get('outputs', {})),
            *_resource_errors(job.get('resources', {}).get('scalar', []))]


def manifest_warnings(manifest: dict) -> list[Issue]:
    """What is allowed but probably not meant: resources outside the standard ones."""
    resources = manifest['job'].get('resources', {}).get('scalar', [])
    return [Issue('NONSTANDARD_RESOURCE',
                  f'job.resources.scalar[{index}] {shown(resource["name"])} is not one of the '
                  f'standard resources {", ".join(STANDARD_RESOURCES)}')
            for index, resource in enumerate(resources)
            if resource['name'].lower() not in STANDARD_RESOURCES]


def path_problem(path: str) -> str | None:
    """What is wrong with a mount path, if anything: it must be absolute, without `..`."""
    if not path.startswith('/'):
        return 'must be an absolute path (starting with /)'
    if '..' in path.split('/'):
        return 'must not contain ..'
    if '\x00' in path:
        return 'must not contain a NUL character'
    return None


def environment_name(name: str) -> str:
    """The environment variable a Seed input, setting or resource name becomes."""
    return name.upper().replace('-', '_')


def _name_and_timeout(job: dict) -> list[Issue]:
    issues = []
    if job['name'] in RESERVED_JOB_NAMES:
        issues.append(Issue('RESERVED_NAME', f'job.name {shown(job["name"])} is reserved: '
                                             f'/v6/job-types/{job["name"]}/ is another endpoint'))
    if job['timeout'] < 1:
        issues.append(Issue('INVALID_TIMEOUT',
                            f'job.timeout must be at least 1 second, not {job["timeout"]}'))
    return issues


def _error_duplicates(errors: list[dict]) -> list[Issue]:
    by_code = collections.defaultdict(list)
    for error in errors:
        by_code[error['code']].append(error['name'])
    return [*(Issue('DUPLICATE_ERROR_NAMES', f'job.errors: the name {shown(name)} is given to '
                                             'more than one error')
              for name in _repeated(error['name'] for error in errors)),
            *(Issue('DUPLICATE_ERROR_CODES', f'job.errors: exit code {clip(str(code))} is mapped '
                                             f'to more than one error ({names(error_names)})')
              for code, error_names in by_code.items() if len(error_names) > 1)]


def _mount_errors(mounts: list[dict]) -> list[Issue]:
    issues = [Issue('DUPLICATE_MOUNT_NAMES', f'job.interface.mounts: the name {shown(name)} is '
                                             'given to more than one mount')
              for name in _repeated(mount['name'] for mount in mounts)]
    for index, mount in enumerate(mounts):
        problem = path_problem(mount['path'])
        if problem:
            issues.append(Issue('INVALID_MOUNT_PATH', f'job.interface.mounts[{index}] '
                                f'({shown(mount["name"])}): path {shown(mount["path"])} {problem}'))
    return issues


def _setting_duplicates(settings: list[dict]) -> list[Issue]:
    return [Issue('DUPLICATE_SETTING', f'job.interface.settings: the setting {shown(name)} is '
                                       'declared more than once')
            for name in _repeated(setting['name'] for setting in settings)]


def _variable_collisions(job: dict) -> list[Issue]:
    """Inputs, settings and resources all become environment variables: two must not meet."""
    interface = job.get('interface', {})
    inputs = interface.get('inputs', {})
    sources = [(name, f'the reserved variable {name}') for name in RESERVED_VARIABLES]
    sources += [(environment_name(item['name']), f'file input {shown(item["name"])}')
                for item in inputs.get('files', [])]
    sources += [(environment_name(item['name']), f'json input {shown(item["name"])}')
                for item in inputs.get('json', [])]
    setting_names = dict.fromkeys(item['name'] for item in interface.get('settings', []))
    sources += [(environment_name(name), f'setting {shown(name)}') for name in setting_names]
    sources += [('ALLOCATED_' + environment_name(item['name']), f'resource {shown(item["name"])}')
                for item in job.get('resources', {}).get('scalar', [])]
    by_variable = collections.defaultdict(list)
    for variable, source in sources:
        by_variable[variable].append(source)
    return [Issue('NAME_COLLISION_ERROR', f'{_and(found)} would {_all(found)} set the '
                                          f'environment variable {clip(variable)}')
            for variable, found in by_variable.items() if len(found) > 1]


def _output_collisions(outputs: dict) -> list[Issue]:
    output_names = [item['name'] for kind in ('files', 'json') for item in outputs.get(kind, [])]
    return [Issue('NAME_COLLISION_ERROR', f'job.interface.outputs: the name {shown(name)} is '
                                          'given to more than one output')
            for name in _repeated(output_names)]


def _resource_errors(resources: list[dict]) -> list[Issue]:
    issues = []
    for index, resource in enumerate(resources):
        where = f'job.resources.scalar[{index}] ({shown(resource["name"])})'
        for field in ('value', 'inputMultiplier'):
            number = resource.get(field, 0)
            if not _finite(number) or number < 0:
                issues.append(Issue('INVALID_RESOURCE', f'{where}: {field} must be a finite number '
                                                        f'of at least 0, not {describe(number)}'))
        gpus = resource['value']
        if resource['name'].lower() == 'gpus' and _finite(gpus) and gpus != int(gpus):
            issues.append(Issue('INVALID_RESOURCE', f'{where}: GPUs come whole, not {gpus:g}'))
    return issues


def _finite(number: int | float) -> bool:
    return isinstance(number, int) or math.isfinite(number)  # math.isfinite(10**400) raises


def _repeated(values) -> list:
    """The values seen more than once, in the order they were first seen."""
    counts = collections.Counter(values)
    return [value for value, count in counts.items() if count > 1]


def _all(phrases: list[str]) -> str:
    return 'both' if len(phrases) == 2 else 'all'


def _and(phrases: list[str]) -> str:
    return phrases[0] if len(phrases) == 1 else ', '.join(phrases[:-1]) + ' and ' + phrases[-1]
