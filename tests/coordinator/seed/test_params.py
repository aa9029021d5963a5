"""Scale v6's booleans and paging: what it takes, what it falls back to, and what it refuses."""

import pytest

from coordinator.seed.params import MAX_PAGE, Page, parse_boolean, parse_page


@pytest.mark.parametrize('value', ['true', 'True', 'TRUE', 't', 'T', '1'])
def test_true_t_and_1_are_true_in_any_case(value):
    assert parse_boolean(value, 'is_active') is True


@pytest.mark.parametrize('value', ['false', 'False', 'f', 'F', '0'])
def test_false_f_and_0_are_false_in_any_case(value):
    assert parse_boolean(value, 'is_active') is False


@pytest.mark.parametrize('value', ['yes', '', '2', 'truee', ' true'])
def test_anything_else_is_refused_naming_the_parameter(value):
    with pytest.raises(ValueError) as raised:
        parse_boolean(value, 'is_system')
    assert str(raised.value) == ('is_system must be a boolean (true or false, t or f, 1 or 0), '
                                 f'not {value!r}')


def test_without_parameters_it_is_the_first_page_of_100():
    assert parse_page(None, None) == Page(1, 100)


@pytest.mark.parametrize('page_size, size', [('1', 1), ('250', 250), ('1000', 1000),
                                             ('1001', 1000), ('5000', 1000), ('9' * 5000, 1000),
                                             ('0250', 250)])
def test_a_page_size_is_capped_at_1000(page_size, size):
    assert parse_page('2', page_size) == Page(2, size)


@pytest.mark.parametrize('page_size', ['0', '-3', 'abc', '', '1.5', '00', '\u0665'])
def test_a_page_size_that_is_not_a_positive_whole_number_falls_back_to_100(page_size):
    assert parse_page(None, page_size).size == 100


@pytest.mark.parametrize('page', ['0', '-1', 'abc', '', '1.0', 'last', '\u0661',
                                  str(MAX_PAGE + 1), '9' * 5000])
def test_a_page_that_is_not_a_whole_number_from_1_is_refused(page):
    with pytest.raises(ValueError) as raised:
        parse_page(page, None)
    assert str(raised.value).startswith(f'page must be a whole number from 1 to {MAX_PAGE}, not ')
    assert len(str(raised.value)) < 120


def test_a_page_knows_its_offset_and_whether_the_list_has_it_and_more():
    third = parse_page('3', '10')
    assert third.offset == 20 and third.has_previous
    assert [third.exists(count) for count in (20, 21)] == [False, True]
    assert [third.has_next(count) for count in (30, 31)] == [False, True]
    assert Page(1, 100).exists(0) and not Page(1, 100).has_previous
    assert parse_page(str(MAX_PAGE), '1000').number == MAX_PAGE
