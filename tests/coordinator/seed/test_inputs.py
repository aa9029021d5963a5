"""A job's inputs against its manifest: names declared, required ones, paths, JSON types."""

import copy

import pytest

from coordinator.seed.inputs import MAX_PATH_CHARS, input_problems
from tests.coordinator.seed.manifests import COMPLETE, MINIMAL

# COMPLETE declares the file INPUT_IMAGE (required, one file) and the number OPACITY (optional)


def with_inputs(files=(), json=()) -> dict:
    made = copy.deepcopy(MINIMAL)
    made['job']['interface'] = {'command': 'run', 'inputs': {'files': list(files),
                                                             'json': list(json)}}
    return made


def test_a_complete_input_fits_and_optional_inputs_may_be_left_out():
    assert input_problems(COMPLETE, {'INPUT_IMAGE': '/data/in.png', 'OPACITY': 0.5}) == []
    assert input_problems(COMPLETE, {'INPUT_IMAGE': '/data/in.png'}) == []


def test_a_type_without_a_manifest_takes_any_input_and_one_without_inputs_none():
    assert input_problems(None, {'anything': [1, {'x': None}]}) == []
    assert input_problems(MINIMAL, {}) == []
    assert input_problems(MINIMAL, {'X': 1}) == [
        "input 'X': not an input of this job type (its inputs: none)"]


def test_missing_required_and_undeclared_inputs_are_named_together():
    problems = input_problems(COMPLETE, {'OPACTIY': 0.5, 'extra': 1})
    assert problems == ["input 'OPACTIY' and 'extra': not an input of this job type (its "
                        "inputs: 'INPUT_IMAGE' and 'OPACITY')",
                        "input 'INPUT_IMAGE' is required"]


@pytest.mark.parametrize('value, problem', [
    (5, 'must be the path of a file, not the number 5'), ('', 'must be the path of a file'),
    (None, 'not null'), (['/a.png'], 'does not take multiple files'),
    ('/a\x00', 'NUL'), ('/' + 'a' * MAX_PATH_CHARS, 'longer than')])
def test_a_file_input_is_one_path(value, problem):
    (found,) = input_problems(COMPLETE, {'INPUT_IMAGE': value})
    assert found.startswith('input.INPUT_IMAGE ') and problem in found


def test_a_file_input_taking_multiple_files_takes_a_list_of_paths_or_one():
    manifest = with_inputs(files=[{'name': 'SCENES', 'multiple': True}])
    assert input_problems(manifest, {'SCENES': ['/a', '/b']}) == []
    assert input_problems(manifest, {'SCENES': '/a'}) == []
    assert input_problems(manifest, {'SCENES': []}) == [
        'input.SCENES must list at least one path']
    assert input_problems(manifest, {'SCENES': ['/a', 7]}) == [
        'input.SCENES [1] must be the path of a file, not the number 7']


@pytest.mark.parametrize('kind, good, bads', [
    ('string', 'x', [1, None, ['x']]), ('integer', 3, [3.5, True, '3', None]),
    ('number', 2.5, ['2.5', False, None, float('nan')]), ('boolean', False, [0, 'true']),
    ('object', {'a': 1}, [[], 'x']), ('array', [1, 'a'], [{}, 'x'])])
def test_json_inputs_are_of_their_manifests_type(kind, good, bads):
    manifest = with_inputs(json=[{'name': 'VALUE', 'type': kind}])
    assert input_problems(manifest, {'VALUE': good}) == []
    for bad in bads:
        (found,) = input_problems(manifest, {'VALUE': bad})
        assert found.startswith('input.VALUE must be '), (bad, found)


def test_an_optional_input_given_must_still_be_of_its_type():
    manifest = with_inputs(json=[{'name': 'my-value', 'type': 'integer', 'required': False}])
    assert input_problems(manifest, {'my-value': 'x'}) == [
        "input.my-value must be an integer, not the string 'x'"]
