"""Checks of a Scale v6 job-type configuration, on its own and against its Seed manifest."""

from coordinator.seed.checks import path_problem
from coordinator.seed.issues import Issue
from coordinator.seed.schema import CONFIGURATION_SCHEMA
from coordinator.seed.schema_check import StrictDraft4Validator, problems
from coordinator.seed.words import clip, describe, member, shown

VERSIONS = ('6', '2.0')  # Scale reads its 2.0 configurations as 6: they are the same
_VALIDATOR = StrictDraft4Validator(CONFIGURATION_SCHEMA)


def configuration_issues(configuration, manifest: dict | None) -> tuple[list[Issue], list[Issue]]:
    """(errors, warnings) of `configuration` (None is an empty one); compared with `manifest`'s
    mounts, settings and outputs when it is given (a manifest that passed its schema)."""
    configuration = {} if configuration is None else configuration
    errors = [Issue('INVALID_CONFIGURATION', line)
              for line in problems(configuration, _VALIDATOR, 'the configuration', 'configuration')]
    if errors:
        return errors, []
    errors = [*_version_and_priority(configuration),
              *_mount_errors(configuration.get('mounts', {})),
              *_setting_errors(configuration.get('settings', {}))]
    warnings = _workspace_warnings(configuration.get('output_workspaces', {}), manifest)
    if manifest is not None:
        interface = manifest['job'].get('interface', {})
        warnings += _compare('mount', configuration.get('mounts', {}), interface.get('mounts', []))
        warnings += _compare('setting', configuration.get('settings', {}),
                             interface.get('settings', []))
    return errors, warnings


def _version_and_priority(configuration: dict) -> list[Issue]:
    issues = []
    version = configuration.get('version', VERSIONS[0])
    if version not in VERSIONS:
        issues.append(Issue('INVALID_VERSION', f'configuration.version {shown(version)} is not '
                                               "supported: send '6' or leave it out"))
    priority = configuration.get('priority', 1)
    if priority < 1:
        issues.append(Issue('INVALID_PRIORITY', 'configuration.priority must be at least 1, '
                                                f'not {clip(str(priority))}'))
    return issues


def _mount_errors(mounts: dict) -> list[Issue]:
    issues = []
    for name, mount in mounts.items():
        where = member('configuration.mounts', name)
        if mount['type'] == 'volume':
            if 'host_path' in mount:
                issues.append(Issue('INVALID_CONFIGURATION', f'{where} is a volume mount: '
                                                             'host_path is for host mounts'))
        elif 'driver' in mount or 'driver_opts' in mount:
            issues.append(Issue('INVALID_CONFIGURATION', f'{where} is a host mount: driver and '
                                                         'driver_opts are for volume mounts'))
        elif 'host_path' not in mount:
            issues.append(Issue('INVALID_CONFIGURATION', f'{where} is a host mount without the '
                                                         'host_path it needs'))
        elif problem := path_problem(mount['host_path']):
            issues.append(Issue('HOST_ABSOLUTE_PATH',
                                f'{where}.host_path {shown(mount["host_path"])} {problem}'))
    return issues


def _setting_errors(settings: dict) -> list[Issue]:
    """Settings reach the job as environment variables: their values are strings."""
    return [Issue('INVALID_SETTING', f'{member("configuration.settings", name)} must be a '
                                     f'string, not {describe(value)}')
            for name, value in settings.items() if not isinstance(value, str)]


def _workspace_warnings(workspaces: dict, manifest: dict | None) -> list[Issue]:
    """This product keeps a job's outputs with its result: Scale's workspaces are only noted."""
    named = dict.fromkeys([workspaces['default']] if 'default' in workspaces else [])
    named.update(dict.fromkeys(workspaces.get('outputs', {}).values()))
    warnings = [Issue('UNKNOWN_WORKSPACE', f'configuration.output_workspaces names the workspace '
                                           f'{shown(name)}, which this coordinator does not '
                                           "have: outputs stay with the job's result")
                for name in named]
    if manifest is not None:
        outputs = manifest['job'].get('interface', {}).get('outputs', {}).get('files', [])
        declared = {output['name'] for output in outputs}
        warnings += [Issue('UNKNOWN_OUTPUT', f'configuration.output_workspaces.outputs names '
                                             f'{shown(name)}, which is not a file output of the '
                                             'manifest')
                     for name in workspaces.get('outputs', {}) if name not in declared]
    return warnings


def _compare(kind: str, configured: dict, declared: list[dict]) -> list[Issue]:
    """UNKNOWN_ for what is configured but not declared, MISSING_ for the reverse."""
    declared_names = dict.fromkeys(item['name'] for item in declared)
    plural = f'{kind}s'
    return [*(Issue(f'UNKNOWN_{kind.upper()}', f'{member(f"configuration.{plural}", name)} is '
                                               f'not a {kind} of the manifest: it is ignored')
              for name in configured if name not in declared_names),
            *(Issue(f'MISSING_{kind.upper()}', f"the manifest's {kind} {shown(name)} is not "
                                               f'given in configuration.{plural}')
              for name in declared_names if name not in configured)]
