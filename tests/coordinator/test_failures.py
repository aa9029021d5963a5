"""Failure categories: manifests map exit codes to DATA and ALGORITHM errors; the rest is SYSTEM."""

import json

from coordinator import failures
from coordinator.failures import Category

MANIFEST = json.dumps({'job': {'errors': [
    {'code': 1, 'name': 'bad-input', 'category': 'data', 'title': 'Bad input',
     'description': 'The input file is corrupt'},
    {'code': 2, 'name': 'no-env', 'category': 'job'},
    {'code': 3, 'name': 'no-category'},
    {'code': 1, 'name': 'second-for-1', 'category': 'job'},  # validation refuses; first wins
    {'code': True, 'name': 'boolean-code'}, {'code': '4', 'name': 'text-code'}, 'not-an-object',
    {'code': 5},  # stored before Seed 1.0.0 required a name
]}})


def test_mapped_exit_codes_are_their_manifest_errors_by_category():
    errors = failures.exit_errors(MANIFEST)
    data = failures.classify(failures.FAILED, 1, errors)
    assert (data.category, data.name, data.title, data.builtin) == (
        Category.DATA, 'bad-input', 'Bad input', False)
    assert failures.classify(failures.FAILED, 2, errors).category is Category.ALGORITHM
    assert failures.classify(failures.FAILED, 3, errors).category is Category.ALGORITHM
    assert failures.classify(failures.FAILED, 5, errors).name == 'error-5'


def test_other_exits_are_algorithm_unknown_and_what_is_not_the_jobs_doing_is_system():
    errors = failures.exit_errors(MANIFEST)
    for code in (4, 99, None):
        assert failures.classify(failures.FAILED, code, errors) is failures.ALGORITHM_UNKNOWN
    assert failures.classify(failures.FAILED, 1, None) is failures.ALGORITHM_UNKNOWN
    # a mapped code does not make a kill at the timeout the job's own failure
    for outcome, name in ((failures.TIMED_OUT, 'timeout'), (failures.LOST, 'node-lost'),
                          (failures.SYSTEM_ERROR, 'unknown')):
        error = failures.classify(outcome, 1, errors)
        assert (error.category, error.name, error.builtin) == (Category.SYSTEM, name, True)


def test_manifests_without_errors_or_unreadable_map_nothing():
    for text in (None, '', 'not json', '[]', '{"job": 1}', '{"job": {"errors": {}}}'):
        assert failures.exit_errors(text) == {}


def test_a_manifest_is_read_once_however_many_results_it_classifies():
    failures.exit_errors.cache_clear()
    for _ in range(100):
        failures.exit_errors(MANIFEST)
    assert failures.exit_errors.cache_info().misses == 1
