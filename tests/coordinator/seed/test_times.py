"""Scale v6's started and ended: ISO 8601 instants with any offset, and durations back from now."""

import datetime

import pytest

from coordinator.seed.times import parse_time, time_window

UTC = datetime.UTC
NOW = datetime.datetime(2015, 8, 31, 22, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize('value, expected', [
    ('2015-01-01T00:00:00Z', datetime.datetime(2015, 1, 1, tzinfo=UTC)),
    ('2015-01-01T02:00:00+02:00', datetime.datetime(2015, 1, 1, tzinfo=UTC)),
    ('2014-12-31T19:00:00-05:00', datetime.datetime(2015, 1, 1, tzinfo=UTC)),
    ('2015-08-31T22:09:12.674Z', datetime.datetime(2015, 8, 31, 22, 9, 12, 674000, tzinfo=UTC)),
    ('2015-01-01T05:30:00+0530', datetime.datetime(2015, 1, 1, tzinfo=UTC)),
    ('2015-01-01T02:00:00 02:00', datetime.datetime(2015, 1, 1, tzinfo=UTC)),
])
def test_an_instant_with_any_offset_is_read_as_the_utc_time_it_names(value, expected):
    parsed = parse_time(value, 'started', now=NOW)
    assert parsed == expected and parsed.tzinfo == UTC


@pytest.mark.parametrize('value, before_now', [
    ('PT3H', datetime.timedelta(hours=3)),
    ('PT3H0M0S', datetime.timedelta(hours=3)),
    ('PT90M', datetime.timedelta(minutes=90)),
    ('PT1.5S', datetime.timedelta(seconds=1.5)),
    ('P1D', datetime.timedelta(days=1)),
    ('P1DT12H', datetime.timedelta(days=1, hours=12)),
    ('P1W', datetime.timedelta(weeks=1)),
    ('P2W3D', datetime.timedelta(weeks=2, days=3)),
    ('pt3h', datetime.timedelta(hours=3)),
])
def test_a_duration_means_that_long_before_now(value, before_now):
    assert parse_time(value, 'started', now=NOW) == NOW - before_now


@pytest.mark.parametrize('value', ['P', 'PT', 'P1DT', 'PT3', 'P3H', 'PT1H2D', 'P-1D', 'P1.5D',
                                   'PT\u0663H', 'yesterday', '', '2015-13-01T00:00:00Z', '12:00'])
def test_anything_else_is_refused_naming_the_parameter_and_what_it_takes(value):
    with pytest.raises(ValueError) as raised:
        parse_time(value, 'ended', now=NOW)
    assert str(raised.value) == ('ended must be an ISO 8601 time such as 2015-01-01T00:00:00Z or '
                                 f'a duration such as PT3H, not {value!r}')


@pytest.mark.parametrize('value', ['P1M', 'P1Y', 'P1Y2M3DT4H'])
def test_months_and_years_are_refused_for_having_no_fixed_length(value):
    with pytest.raises(ValueError, match=rf"^started {value!r} counts months or years"):
        parse_time(value, 'started', now=NOW)


@pytest.mark.parametrize('value', ['2015-01-01T00:00:00', '2015-01-01'])
def test_an_instant_without_an_offset_is_refused_rather_than_guessed(value):
    with pytest.raises(ValueError) as raised:
        parse_time(value, 'started', now=NOW)
    assert str(raised.value) == (f'started {value!r} has no time zone: add Z or an offset such as '
                                 '+02:00')


def test_a_duration_too_long_for_any_calendar_is_refused_in_a_few_words():
    for value, says in [('P' + '9' * 400 + 'D', 'is longer than any calendar'),
                        ('P999999D', 'reaches back before the year 1')]:
        with pytest.raises(ValueError) as raised:
            parse_time(value, 'started', now=NOW)
        assert says in str(raised.value) and len(str(raised.value)) < 120


@pytest.mark.parametrize('value', ['0001-01-01T00:00:00+01:00', '9999-12-31T23:59:59-01:00'])
def test_an_instant_whose_utc_time_is_outside_the_calendar_is_refused(value):
    with pytest.raises(ValueError) as raised:
        parse_time(value, 'started', now=NOW)
    assert str(raised.value) == f'started {value!r} is outside the calendar in UTC'


def test_a_value_that_is_not_text_is_refused():
    with pytest.raises(ValueError, match=r'^started must be .*, not the number 5$'):
        parse_time(5, 'started', now=NOW)


def test_the_window_is_the_last_three_hours_by_default():
    assert time_window(None, None, now=NOW) == (NOW - datetime.timedelta(hours=3), NOW)


def test_the_window_takes_either_end_and_a_duration_for_ended_means_that_long_ago():
    start, end = time_window('2015-08-31T00:00:00+02:00', 'PT1H', now=NOW)
    assert start == datetime.datetime(2015, 8, 30, 22, tzinfo=UTC)
    assert end == NOW - datetime.timedelta(hours=1)


def test_a_window_that_ends_before_it_starts_is_refused():
    with pytest.raises(ValueError) as raised:
        time_window('PT1H', 'PT2H', now=NOW)
    assert str(raised.value) == ('started (2015-08-31T21:00:00+00:00) is after ended '
                                 '(2015-08-31T20:00:00+00:00)')


def test_a_bad_started_is_named_in_the_window_too():
    with pytest.raises(ValueError, match=r"^started must be .*, not 'soon'$"):
        time_window('soon', None, now=NOW)
