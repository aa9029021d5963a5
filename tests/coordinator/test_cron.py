"""Cron triggers read as APScheduler's CronTrigger reads them (cases from its documentation)."""

import datetime

import pytest

from coordinator import cron
from coordinator.cron import CronError, trigger

UTC = datetime.UTC
THURSDAY_NOON = datetime.datetime(2026, 1, 1, 12, 0, tzinfo=UTC)  # 1 January 2026 is a Thursday


def fires(given: dict, timezone: str | None = None, start=THURSDAY_NOON, count: int = 3):
    """The first `count` fire times at or after `start`, in UTC."""
    made, now, found = trigger(given, timezone), start.timestamp(), []
    for _ in range(count):
        now = made.next_fire_at(now)
        found.append(datetime.datetime.fromtimestamp(now, UTC))
        now += 1
    return found


def at(*fields) -> datetime.datetime:
    return datetime.datetime(*fields, tzinfo=UTC)


def test_fields_above_the_least_significant_given_are_any_and_those_below_their_minimum():
    # APScheduler's example: day=1, minute=20 fires on the 1st, at 20 past every hour
    assert trigger({'day': 1, 'minute': 20}).fields() == {
        'month': '*', 'day': '1', 'week': '*', 'day_of_week': '*', 'hour': '*', 'minute': '20'}
    assert trigger({'hour': '2'}).fields() == {
        'month': '*', 'day': '*', 'week': '*', 'day_of_week': '*', 'hour': '2', 'minute': '0'}
    assert trigger({'month': '6'}).fields() == {
        'month': '6', 'day': '1', 'week': '*', 'day_of_week': '*', 'hour': '0', 'minute': '0'}


def test_a_month_and_a_weekday_fire_at_midnight_of_each_such_day_as_on_ndscheduler():
    made = trigger({'month': '1', 'day_of_week': 'sun'})
    assert (made.hour, made.minute, made.day) == ('0', '0', '*')
    assert fires({'month': '1', 'day_of_week': 'sun'}) == [at(2026, 1, 4), at(2026, 1, 11),
                                                           at(2026, 1, 18)]


def test_every_minute_fires_at_now_when_now_is_on_the_minute_and_seconds_are_zero():
    assert fires({'minute': '*/1'}) == [at(2026, 1, 1, 12, 0), at(2026, 1, 1, 12, 1),
                                        at(2026, 1, 1, 12, 2)]
    assert fires({'minute': '*/1'}, start=at(2026, 1, 1, 12, 0, 0) + datetime.timedelta(
        microseconds=1), count=1) == [at(2026, 1, 1, 12, 1)]


def test_steps_ranges_and_lists():
    assert fires({'minute': '*/5'}, start=at(2026, 1, 1, 12, 1)) == [
        at(2026, 1, 1, 12, 5), at(2026, 1, 1, 12, 10), at(2026, 1, 1, 12, 15)]
    assert fires({'hour': '8-17/4'}) == [at(2026, 1, 1, 12), at(2026, 1, 1, 16),
                                         at(2026, 1, 2, 8)]
    assert fires({'minute': '5/20'}) == [at(2026, 1, 1, 12, 5), at(2026, 1, 1, 12, 25),
                                         at(2026, 1, 1, 12, 45)]
    assert fires({'hour': '1,13', 'minute': 30}) == [at(2026, 1, 1, 13, 30), at(2026, 1, 2, 1, 30),
                                                     at(2026, 1, 2, 13, 30)]


def test_days_of_the_week_count_from_monday_as_in_apscheduler_not_from_sunday_as_in_cron():
    assert fires({'day_of_week': '0'}, count=1) == [at(2026, 1, 5)]  # a Monday
    assert fires({'day_of_week': '6'}, count=1) == [at(2026, 1, 4)]  # a Sunday
    # */2 from Monday: Monday, Wednesday, Friday, Sunday
    assert fires({'day_of_week': '*/2'}, count=4) == [at(2026, 1, 2), at(2026, 1, 4),
                                                      at(2026, 1, 5), at(2026, 1, 7)]
    assert fires({'day_of_week': 'sat-sun'}, count=3) == [at(2026, 1, 3), at(2026, 1, 4),
                                                          at(2026, 1, 10)]


def test_mon_to_fri_at_half_past_five_as_in_the_apscheduler_example():
    assert fires({'day_of_week': 'mon-fri', 'hour': 5, 'minute': 30}) == [
        at(2026, 1, 2, 5, 30), at(2026, 1, 5, 5, 30), at(2026, 1, 6, 5, 30)]


def test_a_day_and_a_day_of_the_week_must_both_match_not_either():
    # the 13th that is a Friday: February and March 2026
    assert fires({'day': 13, 'day_of_week': 'fri'}, count=2) == [at(2026, 2, 13), at(2026, 3, 13)]


def test_the_third_friday_of_some_months_in_the_early_hours_as_in_the_apscheduler_example():
    assert fires({'month': '6-8,11-12', 'day': '3rd fri', 'hour': '0-3'}, count=5) == [
        at(2026, 6, 19, 0), at(2026, 6, 19, 1), at(2026, 6, 19, 2), at(2026, 6, 19, 3),
        at(2026, 7, 17, 0)]


def test_the_last_day_and_the_last_weekday_of_the_month():
    assert fires({'day': 'last'}, count=2) == [at(2026, 1, 31), at(2026, 2, 28)]
    assert fires({'day': 'last sun'}, count=2) == [at(2026, 1, 25), at(2026, 2, 22)]
    assert fires({'day': '1,last'}, count=2) == [at(2026, 1, 31), at(2026, 2, 1)]


def test_month_and_weekday_names_in_any_case():
    assert fires({'month': 'Mar-May'}, count=2) == [at(2026, 3, 1), at(2026, 4, 1)]
    assert trigger({'day_of_week': 'MON, wed'}).day_of_week == 'mon,wed'


def test_a_time_zone_reads_the_fields_in_local_time_across_daylight_saving():
    assert fires({'hour': 9}, 'Europe/Berlin', start=at(2026, 3, 27), count=3) == [
        at(2026, 3, 27, 8), at(2026, 3, 28, 8), at(2026, 3, 29, 7)]


def test_february_the_29th_fires_in_leap_years():
    assert fires({'month': 2, 'day': 29}, count=2) == [at(2028, 2, 29), at(2032, 2, 29)]


@pytest.mark.parametrize('given, message', [
    ({'minute': '60'}, "minute '60': 60 is outside 0 to 59"),
    ({'hour': '24'}, 'outside 0 to 23'),
    ({'day': '0'}, 'outside 1 to 31'),
    ({'month': '13'}, 'outside 1 to 12'),
    ({'day_of_week': '7'}, 'outside 0 to 6'),
    ({'minute': 'abc'}, "'abc' is not a number"),
    ({'month': 'foo'}, 'one of jan, feb'),
    ({'hour': 'mon'}, "'mon' is not a number"),
    ({'hour': '5-2'}, 'starts after it ends'),
    ({'day_of_week': 'sun-mon'}, 'starts after it ends'),  # APScheduler's week starts Monday
    ({'minute': '*/0'}, 'not a range or step'),
    ({'minute': '*-5'}, 'not a range or step'),
    ({'day_of_week': 'mon/2'}, 'a step needs numbers'),
    ({'minute': '1 2'}, 'is not a cron expression'),
    ({'minute': ''}, 'non-empty'),
    ({'minute': ','}, 'is not a cron expression'),
    ({'minute': 'L'}, "'l' is not a number"),  # croniter's extensions are not APScheduler's
    ({'day': '5#3'}, 'is not a cron expression'),
    ({'minute': True}, 'not bool'),
    ({'minute': 1.5}, 'not float'),
    ({'minute': None}, 'not null'),
    ({'minute': ['1']}, 'not list'),
    ({'week': '5'}, 'only * is supported'),
    ({'day': '2nd xyz'}, 'names no day of the week'),
    ({'day': '1st mon,3'}, 'an nth weekday can only be the whole day field'),
    ({'day': '1st mon', 'day_of_week': 'tue'}, 'needs day_of_week *'),
    ({'month': 2, 'day': 30}, 'never match a date'),
    ({}, 'give at least one'),
    ({'second': '5'}, 'not cron fields: second'),
])
def test_what_apscheduler_or_croniter_would_refuse_is_a_cron_error_naming_it(given, message):
    with pytest.raises(CronError, match=message.replace('*', r'\*')):
        trigger(given)


@pytest.mark.parametrize('zone', ['Mars/Olympus', '', '../etc/passwd', 5, 'x' * 65, 'America',
                                  'Europe/', 'UTC\x00', 'zone.tab'])
def test_an_unknown_time_zone_is_refused(zone):
    with pytest.raises(CronError, match='timezone'):
        trigger({'hour': 1}, zone)


def test_utc_unless_told():
    assert trigger({'hour': 1}).timezone == cron.DEFAULT_TIMEZONE == 'UTC'
    assert trigger({'hour': 1}, 'America/New_York').timezone == 'America/New_York'
