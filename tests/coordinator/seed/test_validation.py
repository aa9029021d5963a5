"""Manifest validation: rules beyond the schema, named as Scale names them, one line each."""

import pytest

from coordinator.seed.schema_check import MAX_PROBLEMS
from coordinator.seed.validation import validate
from tests.coordinator.seed.manifests import (COMPLETE, COMPLETE_CONFIGURATION, DELETE, MINIMAL,
                                              edited)

INTERFACE = ('job', 'interface')


def issues(issue_list) -> list[tuple[str, str]]:
    return [(issue.name, issue.description) for issue in issue_list]


def test_a_complete_manifest_with_its_configuration_has_nothing_to_say():
    result = validate(COMPLETE, COMPLETE_CONFIGURATION)
    assert result.to_dict() == {'is_valid': True, 'errors': [], 'warnings': []}


def test_two_errors_with_one_name_or_one_exit_code_are_refused():
    errors = [{'code': 1, 'name': 'bad-input'}, {'code': 1, 'name': 'bad-input'},
              {'code': 1, 'name': 'other'}]
    result = validate(edited(COMPLETE, ('job', 'errors'), errors), COMPLETE_CONFIGURATION)
    assert issues(result.errors) == [
        ('DUPLICATE_ERROR_NAMES',
         "job.errors: the name 'bad-input' is given to more than one error"),
        ('DUPLICATE_ERROR_CODES', "job.errors: exit code 1 is mapped to more than one error "
                                  "('bad-input', 'bad-input' and 'other')")]


def test_two_mounts_with_one_name_are_refused():
    mounts = [{'name': 'FONTS', 'path': '/a'}, {'name': 'FONTS', 'path': '/b'}]
    result = validate(edited(COMPLETE, (*INTERFACE, 'mounts'), mounts), COMPLETE_CONFIGURATION)
    assert issues(result.errors) == [
        ('DUPLICATE_MOUNT_NAMES', "job.interface.mounts: the name 'FONTS' is given to more than "
                                  'one mount')]


@pytest.mark.parametrize('path, problem', [
    ('fonts', 'must be an absolute path (starting with /)'),
    ('', 'must be an absolute path (starting with /)'),
    ('/usr/../etc', 'must not contain ..'),
    ('/usr/share/..', 'must not contain ..'),
])
def test_a_mount_path_must_be_absolute_and_never_climb_out(path, problem):
    manifest = edited(COMPLETE, (*INTERFACE, 'mounts', 0, 'path'), path)
    assert issues(validate(manifest, COMPLETE_CONFIGURATION).errors) == [
        ('INVALID_MOUNT_PATH', f"job.interface.mounts[0] ('FONTS'): path {path!r} {problem}")]


def test_a_mount_path_with_dots_inside_a_name_is_fine():
    manifest = edited(COMPLETE, (*INTERFACE, 'mounts', 0, 'path'), '/usr/share/fonts..old/.x')
    assert validate(manifest, COMPLETE_CONFIGURATION).is_valid


def test_a_setting_declared_twice_is_refused_once():
    settings = [{'name': 'DB_HOST'}, {'name': 'DB_HOST', 'secret': True}, {'name': 'DB_PASS'}]
    result = validate(edited(COMPLETE, (*INTERFACE, 'settings'), settings), COMPLETE_CONFIGURATION)
    assert issues(result.errors) == [
        ('DUPLICATE_SETTING', "job.interface.settings: the setting 'DB_HOST' is declared more "
                              'than once')]


def test_inputs_settings_and_resources_that_would_set_one_environment_variable_collide():
    manifest = edited(COMPLETE, (*INTERFACE, 'inputs', 'json'),
                      [{'name': 'db-host', 'type': 'string'},
                       {'name': 'OUTPUT_DIR', 'type': 'string'},
                       {'name': 'allocated_cpus', 'type': 'number'}])
    assert issues(validate(manifest, COMPLETE_CONFIGURATION).errors) == [
        ('NAME_COLLISION_ERROR', "the reserved variable OUTPUT_DIR and json input 'OUTPUT_DIR' "
                                 'would both set the environment variable OUTPUT_DIR'),
        ('NAME_COLLISION_ERROR', "json input 'db-host' and setting 'DB_HOST' would both set the "
                                 'environment variable DB_HOST'),
        ('NAME_COLLISION_ERROR', "json input 'allocated_cpus' and resource 'cpus' would both set "
                                 'the environment variable ALLOCATED_CPUS')]


def test_a_file_input_and_a_json_input_of_one_name_collide():
    manifest = edited(COMPLETE, (*INTERFACE, 'inputs', 'json', 0, 'name'), 'INPUT_IMAGE')
    assert issues(validate(manifest, COMPLETE_CONFIGURATION).errors) == [
        ('NAME_COLLISION_ERROR', "file input 'INPUT_IMAGE' and json input 'INPUT_IMAGE' would "
                                 'both set the environment variable INPUT_IMAGE')]


def test_a_file_output_and_a_json_output_of_one_name_collide():
    manifest = edited(COMPLETE, (*INTERFACE, 'outputs', 'json', 0, 'name'), 'OUTPUT_IMAGE')
    assert issues(validate(manifest, COMPLETE_CONFIGURATION).errors) == [
        ('NAME_COLLISION_ERROR', "job.interface.outputs: the name 'OUTPUT_IMAGE' is given to "
                                 'more than one output')]


def test_negative_resources_and_fractions_of_a_gpu_are_refused():
    scalar = [{'name': 'cpus', 'value': -1}, {'name': 'disk', 'value': 1, 'inputMultiplier': -2},
              {'name': 'GPUs', 'value': 0.5}, {'name': 'gpus', 'value': 2.0}]
    manifest = edited(COMPLETE, ('job', 'resources', 'scalar'), scalar)
    assert issues(validate(manifest, COMPLETE_CONFIGURATION).errors) == [
        ('NAME_COLLISION_ERROR', "resource 'GPUs' and resource 'gpus' would both set the "
                                 'environment variable ALLOCATED_GPUS'),
        ('INVALID_RESOURCE', "job.resources.scalar[0] ('cpus'): value must be a finite number of "
                             'at least 0, not the number -1'),
        ('INVALID_RESOURCE', "job.resources.scalar[1] ('disk'): inputMultiplier must be a finite "
                             'number of at least 0, not the number -2'),
        ('INVALID_RESOURCE', "job.resources.scalar[2] ('GPUs'): GPUs come whole, not 0.5")]


def test_an_infinite_or_enormous_resource_value_is_said_in_a_few_words():
    scalar = [{'name': 'cpus', 'value': float('inf')}, {'name': 'mem', 'value': -10**400}]
    manifest = edited(COMPLETE, ('job', 'resources', 'scalar'), scalar)
    descriptions = [issue.description for issue in validate(manifest).errors]
    assert descriptions[0].endswith('not the number inf')
    assert descriptions[1].endswith('not the number -1' + '0' * 37 + '…')


def test_a_timeout_of_zero_cannot_be_honoured():
    manifest = edited(MINIMAL, ('job', 'timeout'), 0)
    assert issues(validate(manifest).errors) == [
        ('INVALID_TIMEOUT', 'job.timeout must be at least 1 second, not 0')]


@pytest.mark.parametrize('name', ['validation', 'status', 'pending', 'running', 'system-failures'])
def test_a_type_named_like_a_fixed_job_types_path_is_refused(name):
    assert issues(validate(edited(MINIMAL, ('job', 'name'), name)).errors) == [
        ('RESERVED_NAME', f"job.name {name!r} is reserved: /v6/job-types/{name}/ is another "
                          'endpoint')]


def test_a_resource_outside_the_standard_ones_is_a_warning_whatever_its_case():
    scalar = [{'name': 'chocolate', 'value': 1}, {'name': 'sharedMem', 'value': 1},
              {'name': 'CPUS', 'value': 1}]
    result = validate(edited(COMPLETE, ('job', 'resources', 'scalar'), scalar),
                      COMPLETE_CONFIGURATION)
    assert result.is_valid
    assert issues(result.warnings) == [
        ('NONSTANDARD_RESOURCE', "job.resources.scalar[0] 'chocolate' is not one of the standard "
                                 'resources cpus, mem, disk, gpus, sharedmem')]


def test_the_rules_beyond_the_schema_wait_until_the_manifest_passes_it():
    manifest = edited(COMPLETE, ('job', 'timeout'), '0')
    manifest['job']['errors'].append(manifest['job']['errors'][0])
    assert issues(validate(manifest, COMPLETE_CONFIGURATION).errors) == [
        ('JSON_VALIDATION_ERROR', "job.timeout must be an integer, not the string '0'")]


def test_a_huge_wrong_value_is_described_not_repeated():
    manifest = edited(MINIMAL, ('job', 'timeout'), 'x' * 100_000)
    manifest = edited(manifest, ('job', 'title'), {'nested': ['y' * 100_000] * 100})
    descriptions = [issue.description for issue in validate(manifest).errors]
    assert descriptions == ["job.title must be a string, not an object",
                            "job.timeout must be an integer, not the string '" + 'x' * 39 + "…'"]


def test_many_unknown_fields_are_named_a_few_at_a_time():
    manifest = edited(MINIMAL, ('job', 'maintainer'),
                      {'name': 'a', 'email': 'b', **{f'field{i:03}': 1 for i in range(100)}})
    assert [issue.description for issue in validate(manifest).errors] == [
        "job.maintainer has the unknown fields 'field000', 'field001', 'field002', 'field003' "
        'and 96 more']


def test_a_manifest_with_many_problems_lists_a_bounded_number_of_them():
    manifest = edited(MINIMAL, ('job', 'tags'), list(range(500)))
    errors = validate(manifest).errors
    assert len(errors) == MAX_PROBLEMS
    assert errors[0].description == 'job.tags[0] must be a string, not the number 0'
    more = 500 - MAX_PROBLEMS + 1
    assert errors[-1].description == f'… and {more} more problems with the manifest'


def test_every_message_is_one_line_even_about_names_with_newlines():
    manifest = edited(MINIMAL, ('job', 'name'), 'two\nlines')
    manifest = edited(manifest, ('job', 'maintainer', 'url\nnext'), 'x')
    configuration = {'settings': {'A\nB': None}, 'mounts': {'m\n': {'type': 'host'}}}
    assert [issue.description for issue in validate(manifest, configuration).errors] == [
        "job.name is the string 'two\\nlines', which is not letters, digits and -",
        "job.maintainer has the unknown field 'url\\nnext'",
        "configuration.mounts['m\\n'] is a host mount without the host_path it needs",
        "configuration.settings['A\\nB'] must be a string, not null"]


def test_the_wire_form_is_scales():
    result = validate(edited(MINIMAL, ('job', 'timeout'), DELETE))
    assert result.to_dict() == {
        'is_valid': False,
        'errors': [{'name': 'JSON_VALIDATION_ERROR',
                    'description': "job is missing the required field 'timeout'"}],
        'warnings': []}
