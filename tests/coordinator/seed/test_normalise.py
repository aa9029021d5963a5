"""Older manifests brought to Seed 1.0.0: the Scale v6 document's own example is accepted."""

import json

import pytest
from jsonschema import Draft4Validator

from coordinator.seed.normalise import normalise
from coordinator.seed.validation import normalise_and_validate, validate
from tests.coordinator.seed.manifests import (COMPLETE, OFFICIAL_SCHEMA, POST_EXAMPLE,
                                              SCALE_DOCUMENT, edited, post_example)


def test_the_scale_documents_example_post_is_valid_with_warnings_about_what_predates_seed_1():
    example = post_example()
    manifest, result = normalise_and_validate(example['manifest'], example['configuration'])
    assert result.is_valid
    assert [(issue.name, issue.description) for issue in result.warnings] == [
        ('DERIVED_ERROR_NAME', 'job.errors[0] has no name, which Seed 1.0.0 requires: named '
                               "'data-issue-discovered' from its title"),
        ('DERIVED_ERROR_NAME', 'job.errors[1] has no name, which Seed 1.0.0 requires: named '
                               "'missing-environment' from its title"),
        ('UNKNOWN_WORKSPACE', "configuration.output_workspaces names the workspace 'workspace_1', "
                              "which this coordinator does not have: outputs stay with the job's "
                              'result'),
        ('UNKNOWN_WORKSPACE', "configuration.output_workspaces names the workspace 'workspace_2', "
                              "which this coordinator does not have: outputs stay with the job's "
                              'result'),
        ('UNKNOWN_OUTPUT', "configuration.output_workspaces.outputs names 'output_1', which is not "
                           'a file output of the manifest')]
    assert [error['name'] for error in manifest['job']['errors']] == [
        'data-issue-discovered', 'missing-environment']


def test_the_example_as_written_is_refused_for_want_of_error_names_and_official_seed_agrees():
    manifest = post_example()['manifest']
    assert [issue.description for issue in validate(manifest).errors] == [
        "job.errors[0] is missing the required field 'name'",
        "job.errors[1] is missing the required field 'name'"]
    if OFFICIAL_SCHEMA.exists():
        official = Draft4Validator(json.loads(OFFICIAL_SCHEMA.read_text()))
        assert not official.is_valid(manifest)
        assert official.is_valid(normalise(manifest)[0])


def test_the_fixture_is_the_documents_example_word_for_word():
    if not SCALE_DOCUMENT.exists():
        pytest.skip(f'the Scale v6 document is not at {SCALE_DOCUMENT}')
    document = SCALE_DOCUMENT.read_text()
    request = document.index('Request: POST http://.../v6/job-types/\n')
    assert document[request:].split('\n')[1] + '\n' == POST_EXAMPLE.read_text()


def named(errors: list[dict]) -> tuple[list, list[str]]:
    manifest, warnings = normalise(edited(COMPLETE, ('job', 'errors'), errors))
    return manifest['job']['errors'], [warning.description for warning in warnings]


def test_a_missing_name_comes_from_the_title():
    errors, warnings = named([{'code': 4, 'title': 'Error Name'}])
    assert errors == [{'code': 4, 'title': 'Error Name', 'name': 'error-name'}]
    assert warnings == ["job.errors[0] has no name, which Seed 1.0.0 requires: named 'error-name' "
                        'from its title']


def test_a_title_of_only_symbols_or_no_title_names_the_error_by_its_exit_code():
    errors, warnings = named([{'code': 4, 'title': '¿?'}, {'code': 5}])
    assert [error['name'] for error in errors] == ['error-4', 'error-5']
    assert warnings[1].endswith("named 'error-5' from its exit code")


def test_a_derived_name_another_error_has_gets_the_exit_code_too():
    errors, _ = named([{'code': 1, 'name': 'disk-full'}, {'code': 2, 'title': 'Disk full!'}])
    assert [error['name'] for error in errors] == ['disk-full', 'disk-full-2']


def test_a_long_title_makes_a_name_of_at_most_64_characters():
    errors, _ = named([{'code': 1, 'title': 'The input ' * 20}])
    assert errors[0]['name'] == ('the-input-' * 7)[:64].strip('-')


def test_an_error_with_neither_title_nor_code_is_left_for_the_validation_to_refuse():
    manifest, warnings = normalise(edited(COMPLETE, ('job', 'errors'), [{'description': 'x'}]))
    assert warnings == []
    assert [issue.description for issue in validate(manifest).errors] == [
        "job.errors[0] is missing the required fields 'code' and 'name'"]


def test_normalising_leaves_what_it_was_given_untouched():
    example = post_example()
    normalise(example['manifest'])
    assert example == post_example()


def test_a_manifest_without_anything_to_normalise_is_returned_as_it_is():
    assert normalise(COMPLETE) == (COMPLETE, [])
    assert normalise([1, 2]) == ([1, 2], [])
    assert normalise({'job': {'errors': 'none'}}) == ({'job': {'errors': 'none'}}, [])


def test_a_manifest_sent_as_a_json_string_as_seeds_image_label_holds_it_is_read():
    manifest, result = normalise_and_validate(json.dumps(COMPLETE))
    assert manifest == COMPLETE and result.is_valid
    _, result = normalise_and_validate('{"seedVersion": ')
    assert [issue.description for issue in result.errors] == [
        'the manifest must be an object, not the string \'{"seedVersion": \'']
