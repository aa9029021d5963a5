"""Semantic versions: SemVer 2.0.0's own examples parse, are refused and sort as it says."""

import random

import pytest

from coordinator.seed.versions import Version, parse, sort_key

# SemVer 2.0.0 §11's chain, lowest first, with §9 and §10's examples.
PRECEDENCE = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2',
              '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '2.0.0', '2.1.0', '2.1.1']


def test_versions_sort_by_precedence_as_semver_lists_them():
    shuffled = random.Random(7).sample(PRECEDENCE, len(PRECEDENCE))
    assert sorted(shuffled, key=sort_key) == PRECEDENCE


def test_numbers_compare_as_numbers_not_as_text():
    assert sorted(['1.10.0', '1.2.0', '1.9.9', '10.0.0', '9.0.0'], key=sort_key) == [
        '1.2.0', '1.9.9', '1.10.0', '9.0.0', '10.0.0']


def test_numeric_prerelease_identifiers_come_before_alphanumeric_ones():
    assert sorted(['1.0.0-a', '1.0.0-11', '1.0.0-2', '1.0.0-1a'], key=sort_key) == [
        '1.0.0-2', '1.0.0-11', '1.0.0-1a', '1.0.0-a']


def test_a_prerelease_comes_before_its_release_and_after_the_previous_release():
    assert sort_key('0.9.9') < sort_key('1.0.0-0') < sort_key('1.0.0-rc.1') < sort_key('1.0.0')


def test_build_metadata_is_kept_but_plays_no_part_in_precedence():
    version = parse('1.0.0-beta+exp.sha.5114f85')
    assert version == Version(1, 0, 0, ('beta',), ('exp', 'sha', '5114f85'))
    assert str(version) == '1.0.0-beta+exp.sha.5114f85'
    assert sort_key('1.0.0+20130313144700') == sort_key('1.0.0+21AF26D3----117B344092BD')
    assert sort_key('1.0.0-alpha+001') < sort_key('1.0.0')


@pytest.mark.parametrize('text', ['1.0.0-alpha', '1.0.0-0.3.7', '1.0.0-x.7.z.92', '1.0.0-x-y-z.--',
                                  '1.0.0-alpha+001', '0.0.0', '999999999999.0.1-0a'])
def test_semvers_examples_of_valid_versions_parse_and_print_back(text):
    assert str(parse(text)) == text


@pytest.mark.parametrize('text', ['1.0', '01.0.0', '1.0.0-01', '1.0.0-', '1.0.0+', '1.0.0-alpha..1',
                                  'v1.0.0', ' 1.0.0', '1.0.0\n', '1.0.0+build+more', '',
                                  '\u0661.\u0660.\u0660'])
def test_invalid_versions_raise_a_value_error_that_shows_them_and_says_what_is_expected(text):
    with pytest.raises(ValueError) as raised:
        parse(text)
    assert str(raised.value) == (f'{text!r} is not a semantic version (MAJOR.MINOR.PATCH such as '
                                 '1.2.3, 1.0.0-rc.1 or 1.0.0+build.5)')


def test_a_version_that_is_not_a_string_is_refused_by_its_type():
    with pytest.raises(ValueError, match=r'^the number 1 is not a semantic version'):
        parse(1)
