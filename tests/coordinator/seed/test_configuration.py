"""A job type's configuration: its own shape, its values, and how it meets its manifest."""

import pytest

from coordinator.seed.validation import validate
from tests.coordinator.seed.manifests import (COMPLETE, COMPLETE_CONFIGURATION, DELETE, MINIMAL,
                                              edited)


def issues(issue_list) -> list[tuple[str, str]]:
    return [(issue.name, issue.description) for issue in issue_list]


def configured(path: tuple, value) -> dict:
    return edited(COMPLETE_CONFIGURATION, path, value)


@pytest.mark.parametrize('configuration, description', [
    (['not', 'an', 'object'], 'the configuration must be an object, not an array'),
    ({'workers': 3}, "the configuration has the unknown field 'workers'"),
    ({'priority': 'high'}, "configuration.priority must be an integer, not the string 'high'"),
    ({'priority': True}, 'configuration.priority must be an integer, not the boolean true'),
    ({'mounts': {'FONTS': {'type': 'nfs'}}},
     "configuration.mounts.FONTS.type must be one of 'host', 'volume', not the string 'nfs'"),
    ({'mounts': {'FONTS': {'host_path': '/x'}}},
     "configuration.mounts.FONTS is missing the required field 'type'"),
    ({'output_workspaces': {'outputs': {'OUTPUT_IMAGE': 7}}},
     'configuration.output_workspaces.outputs.OUTPUT_IMAGE must be a string, not the number 7'),
    ({'settings': ['DB_HOST']}, 'configuration.settings must be an object, not an array'),
])
def test_a_configuration_of_the_wrong_shape_is_invalid(configuration, description):
    assert issues(validate(COMPLETE, configuration).errors) == [
        ('INVALID_CONFIGURATION', description)]


@pytest.mark.parametrize('mount, description', [
    ({'type': 'host'}, 'is a host mount without the host_path it needs'),
    ({'type': 'host', 'host_path': '/x', 'driver': 'nfs'},
     'is a host mount: driver and driver_opts are for volume mounts'),
    ({'type': 'volume', 'host_path': '/x'}, 'is a volume mount: host_path is for host mounts'),
])
def test_a_mount_has_the_fields_of_its_type(mount, description):
    result = validate(COMPLETE, configured(('mounts', 'FONTS'), mount))
    assert issues(result.errors) == [
        ('INVALID_CONFIGURATION', f'configuration.mounts.FONTS {description}')]


@pytest.mark.parametrize('host_path, problem', [
    ('opt/fonts', 'must be an absolute path (starting with /)'),
    ('/opt/../etc', 'must not contain ..'),
])
def test_a_host_path_must_be_absolute(host_path, problem):
    result = validate(COMPLETE, configured(('mounts', 'FONTS', 'host_path'), host_path))
    assert issues(result.errors) == [
        ('HOST_ABSOLUTE_PATH', f'configuration.mounts.FONTS.host_path {host_path!r} {problem}')]


@pytest.mark.parametrize('priority', [0, -1])
def test_a_priority_below_one_is_invalid(priority):
    result = validate(COMPLETE, configured(('priority',), priority))
    assert issues(result.errors) == [
        ('INVALID_PRIORITY', f'configuration.priority must be at least 1, not {priority}')]


@pytest.mark.parametrize('version', ['6', '2.0'])
def test_scales_configuration_versions_are_read(version):
    assert validate(COMPLETE, configured(('version',), version)).to_dict()['errors'] == []


def test_another_configuration_version_is_refused():
    result = validate(COMPLETE, configured(('version',), '1.0'))
    assert issues(result.errors) == [
        ('INVALID_VERSION',
         "configuration.version '1.0' is not supported: send '6' or leave it out")]


@pytest.mark.parametrize('value, described', [(None, 'null'), (5432, 'the number 5432'),
                                              ({'a': 1}, 'an object')])
def test_a_setting_value_is_a_string(value, described):
    result = validate(COMPLETE, configured(('settings', 'DB_HOST'), value))
    assert issues(result.errors) == [
        ('INVALID_SETTING', f'configuration.settings.DB_HOST must be a string, not {described}')]


def test_mounts_missing_from_the_configuration_or_unknown_to_the_manifest_are_warnings():
    configuration = configured(('mounts',), {'FONTS': {'type': 'host', 'host_path': '/opt/fonts'},
                                             'EXTRA': {'type': 'volume'}})
    result = validate(COMPLETE, configuration)
    assert result.is_valid
    assert issues(result.warnings) == [
        ('UNKNOWN_MOUNT', 'configuration.mounts.EXTRA is not a mount of the manifest: it is '
                          'ignored'),
        ('MISSING_MOUNT', "the manifest's mount 'SCRATCH' is not given in configuration.mounts")]


def test_settings_missing_from_the_configuration_or_unknown_to_the_manifest_are_warnings():
    result = validate(COMPLETE, configured(('settings',), {'DB_HOST': 'db', 'DB_USER': 'me'}))
    assert result.is_valid
    assert issues(result.warnings) == [
        ('UNKNOWN_SETTING', 'configuration.settings.DB_USER is not a setting of the manifest: it '
                            'is ignored'),
        ('MISSING_SETTING', "the manifest's setting 'DB_PASS' is not given in "
                            'configuration.settings')]


def test_no_configuration_is_an_empty_one_so_the_manifests_settings_and_mounts_are_missing():
    assert [issue.name for issue in validate(COMPLETE).warnings] == [
        'MISSING_MOUNT', 'MISSING_MOUNT', 'MISSING_SETTING', 'MISSING_SETTING']
    assert validate(MINIMAL).to_dict() == {'is_valid': True, 'errors': [], 'warnings': []}


def test_output_workspaces_are_noted_not_refused_since_this_product_has_none():
    configuration = configured(('output_workspaces',), {
        'default': 'workspace_1',
        'outputs': {'OUTPUT_IMAGE': 'workspace_2', 'output_1': 'workspace_1'}})
    result = validate(COMPLETE, configuration)
    assert result.is_valid
    assert issues(result.warnings) == [
        ('UNKNOWN_WORKSPACE', "configuration.output_workspaces names the workspace 'workspace_1', "
                              "which this coordinator does not have: outputs stay with the job's "
                              'result'),
        ('UNKNOWN_WORKSPACE', "configuration.output_workspaces names the workspace 'workspace_2', "
                              "which this coordinator does not have: outputs stay with the job's "
                              'result'),
        ('UNKNOWN_OUTPUT', "configuration.output_workspaces.outputs names 'output_1', which is not "
                           'a file output of the manifest')]


def test_a_bad_configuration_is_reported_beside_a_bad_manifest_but_not_compared_with_it():
    manifest = edited(COMPLETE, ('job', 'timeout'), DELETE)
    result = validate(manifest, configured(('priority',), 0) | {'settings': {'OTHER': 'x'}})
    assert issues(result.errors) == [
        ('JSON_VALIDATION_ERROR', "job is missing the required field 'timeout'"),
        ('INVALID_PRIORITY', 'configuration.priority must be at least 1, not 0')]
    assert result.warnings == ()


def test_a_manifest_rule_broken_beyond_the_schema_still_lets_the_configuration_be_compared():
    manifest = edited(COMPLETE, ('job', 'timeout'), 0)
    result = validate(manifest, configured(('settings',), {}))
    assert [issue.name for issue in result.errors] == ['INVALID_TIMEOUT']
    assert [issue.name for issue in result.warnings] == ['MISSING_SETTING', 'MISSING_SETTING']
