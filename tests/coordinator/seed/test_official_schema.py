"""Our schema and the official Seed 1.0.0 schema agree on which manifests are valid."""

import json

import pytest
from jsonschema import Draft4Validator

from coordinator.seed.schema import MANIFEST_SCHEMA
from coordinator.seed.validation import validate
from tests.coordinator.seed.manifests import COMPLETE, DELETE, MINIMAL, OFFICIAL_SCHEMA, edited

JOB = ('job',)
INTERFACE = ('job', 'interface')
FILE_INPUT = ('job', 'interface', 'inputs', 'files', 0)
JSON_INPUT = ('job', 'interface', 'inputs', 'json', 0)
FILE_OUTPUT = ('job', 'interface', 'outputs', 'files', 0)
JSON_OUTPUT = ('job', 'interface', 'outputs', 'json', 0)
MOUNT = ('job', 'interface', 'mounts', 0)
SETTING = ('job', 'interface', 'settings', 0)
ERROR = ('job', 'errors', 0)
RESOURCE = ('job', 'resources', 'scalar', 0)

VALID = {
    'the least Seed allows': MINIMAL,
    'every member used': COMPLETE,
    'a prerelease jobVersion': edited(COMPLETE, (*JOB, 'jobVersion'), '1.0.0-rc.1'),
    'a packageVersion with build metadata': edited(COMPLETE, (*JOB, 'packageVersion'), '1.0.0+7'),
    'prerelease and build': edited(COMPLETE, (*JOB, 'jobVersion'), '2.10.3-alpha.1+sha.5114f85'),
    'an error with only code and name': edited(COMPLETE, ERROR, {'code': 9, 'name': 'x'}),
    'a mount without a mode': edited(COMPLETE, (*MOUNT, 'mode'), DELETE),
    'empty lists': edited(COMPLETE, INTERFACE, {'inputs': {'files': [], 'json': []},
                                                'mounts': [], 'settings': []}),
    'an empty interface': edited(COMPLETE, INTERFACE, {}),
    'resources without scalar': edited(COMPLETE, (*JOB, 'resources'), {}),
    'a whole-number resource value': edited(COMPLETE, (*RESOURCE, 'value'), 2),
    'underscores in an input name': edited(COMPLETE, (*FILE_INPUT, 'name'), 'INPUT_2_x-y'),
}

INVALID = {
    # every required member missing in turn
    **{f'no {"/".join(map(str, path))}': edited(COMPLETE, path, DELETE) for path in [
        ('seedVersion',), JOB, (*JOB, 'name'), (*JOB, 'jobVersion'), (*JOB, 'packageVersion'),
        (*JOB, 'title'), (*JOB, 'description'), (*JOB, 'maintainer'), (*JOB, 'timeout'),
        (*ERROR, 'code'), (*ERROR, 'name'), (*JSON_INPUT, 'type'), (*FILE_OUTPUT, 'pattern'),
        (*MOUNT, 'path'), (*RESOURCE, 'value')]},
    'no maintainer email': edited(COMPLETE, (*JOB, 'maintainer', 'email'), DELETE),
    'no maintainer name': edited(COMPLETE, (*JOB, 'maintainer', 'name'), DELETE),
    'no file input name': edited(COMPLETE, (*FILE_INPUT, 'name'), DELETE),
    'no json output type': edited(COMPLETE, (*JSON_OUTPUT, 'type'), DELETE),
    'no setting name': edited(COMPLETE, SETTING, {'secret': True}),
    'no name, no title': edited(COMPLETE, JOB, {'jobVersion': '1.0.0'}),
    # patterns
    'an underscore in the job name': edited(COMPLETE, (*JOB, 'name'), 'my_job'),
    'a space in the job name': edited(COMPLETE, (*JOB, 'name'), 'My Job'),
    'a dot in a setting name': edited(COMPLETE, (*SETTING, 'name'), 'db.host'),
    'a space in a resource name': edited(COMPLETE, (*RESOURCE, 'name'), 'c p u'),
    'an empty input name': edited(COMPLETE, (*FILE_INPUT, 'name'), ''),
    'seedVersion 2.0.0': edited(COMPLETE, ('seedVersion',), '2.0.0'),
    'seedVersion 1.0': edited(COMPLETE, ('seedVersion',), '1.0'),
    # versions
    **{f'jobVersion {version}': edited(COMPLETE, (*JOB, 'jobVersion'), version)
       for version in ['1.0', '01.0.0', '1.0.0-01', 'v1.0.0', '1.0.0-', '1.0.0+', '1.0.0.0']},
    'packageVersion latest': edited(COMPLETE, (*JOB, 'packageVersion'), 'latest'),
    # types
    'a string timeout': edited(COMPLETE, (*JOB, 'timeout'), '3600'),
    'a fractional timeout': edited(COMPLETE, (*JOB, 'timeout'), 3600.5),
    'a numeric title': edited(COMPLETE, (*JOB, 'title'), 5),
    'a null description': edited(COMPLETE, (*JOB, 'description'), None),
    'tags as a string': edited(COMPLETE, (*JOB, 'tags'), 'jpeg'),
    'a numeric tag': edited(COMPLETE, (*JOB, 'tags'), [1]),
    'a maintainer string': edited(COMPLETE, (*JOB, 'maintainer'), 'John Doe'),
    'an error code as a string': edited(COMPLETE, (*ERROR, 'code'), '1'),
    'an error code of 1.0': edited(COMPLETE, (*ERROR, 'code'), 1.0),
    'an error code true': edited(COMPLETE, (*ERROR, 'code'), True),
    'a secret that is a string': edited(COMPLETE, (*SETTING, 'secret'), 'yes'),
    'required as a string': edited(COMPLETE, (*FILE_INPUT, 'required'), 'true'),
    'a resource value as a string': edited(COMPLETE, (*RESOURCE, 'value'), '1'),
    'mediaTypes as a string': edited(COMPLETE, (*FILE_INPUT, 'mediaTypes'), 'image/png'),
    'errors as an object': edited(COMPLETE, (*JOB, 'errors'), {}),
    'a manifest that is a list': [COMPLETE],
    'a manifest that is a string': json.dumps(COMPLETE),
    # enums
    'mount mode rx': edited(COMPLETE, (*MOUNT, 'mode'), 'rx'),
    'error category system': edited(COMPLETE, (*ERROR, 'category'), 'system'),
    'json input type float': edited(COMPLETE, (*JSON_INPUT, 'type'), 'float'),
    # members no level defines
    **{f'an extra member in {"/".join(map(str, path)) or "the root"}':
       edited(COMPLETE, (*path, 'extra'), 1) for path in [
        (), JOB, (*JOB, 'maintainer'), (*JOB, 'resources'), RESOURCE, INTERFACE,
        (*INTERFACE, 'inputs'), FILE_INPUT, JSON_INPUT, (*INTERFACE, 'outputs'), FILE_OUTPUT,
        JSON_OUTPUT, MOUNT, SETTING, ERROR]},
    'a Seed 0.x member': edited(COMPLETE, (*JOB, 'algorithmVersion'), '1.0.0'),
}


@pytest.fixture(scope='module')
def official():
    if not OFFICIAL_SCHEMA.exists():
        pytest.skip(f'the official Seed 1.0.0 schema is not at {OFFICIAL_SCHEMA} (CI has '
                    '../shared beside the repository)')
    schema = json.loads(OFFICIAL_SCHEMA.read_text())
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema)


def test_there_are_enough_cases_to_mean_something():
    assert len(VALID) >= 10 and len(INVALID) >= 60


@pytest.mark.parametrize('manifest', VALID.values(), ids=VALID.keys())
def test_a_manifest_both_schemas_accept(manifest, official):
    assert official.is_valid(manifest)
    assert validate(manifest).is_valid, validate(manifest).errors


@pytest.mark.parametrize('manifest', INVALID.values(), ids=INVALID.keys())
def test_a_manifest_both_schemas_refuse(manifest, official):
    assert not official.is_valid(manifest)
    result = validate(manifest)
    assert not result.is_valid
    assert {issue.name for issue in result.errors} == {'JSON_VALIDATION_ERROR'}


def test_our_schema_is_a_draft_4_schema_closed_at_every_level():
    Draft4Validator.check_schema(MANIFEST_SCHEMA)
    objects = dict(_object_schemas(MANIFEST_SCHEMA))
    assert len(objects) == 15  # the root, job and 13 objects inside it
    assert all(schema['additionalProperties'] is False for schema in objects.values())


def test_our_schema_has_the_official_members_and_requirements_at_every_level(official):
    def members(schema):
        return {path: (set(object_schema['properties']), set(object_schema.get('required', ())))
                for path, object_schema in _object_schemas(schema)}

    assert members(MANIFEST_SCHEMA) == members(official.schema)


def test_a_name_ending_in_a_newline_is_refused_as_json_schemas_regular_expressions_read_it(
        official):
    manifest = edited(COMPLETE, ('job', 'name'), 'my-job\n')
    # jsonschema reads `$` as Python does, matching before a final newline; ECMA-262 does not
    assert official.is_valid(manifest)
    assert [issue.description for issue in validate(manifest).errors] == [
        "job.name is the string 'my-job\\n', which is not letters, digits and -"]


def _object_schemas(schema: dict, path: str = ''):
    """(path, schema) of each object schema with properties, the root's path ''."""
    if schema.get('type') == 'object' and 'properties' in schema:
        yield path, schema
    for name, child in schema.get('properties', {}).items():
        yield from _object_schemas(child, f'{path}/{name}')
    if isinstance(schema.get('items'), dict):
        yield from _object_schemas(schema['items'], f'{path}[]')
