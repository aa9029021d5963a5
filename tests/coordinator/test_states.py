"""States: the tables of moves the store makes, finals are final, each state has a taskfarm name."""

from coordinator.states import (FINAL_STATES, NDSCHEDULER_NAMES, OVERRIDES, SCALE_NAMES,
                                TASKFARM_NAMES, TRANSITIONS, ndscheduler_state,
                                ScaleStatus, TaskState, can_move, scale_states, scale_status,
                                sources)

QUEUED, RUNNING, COMPLETE, CANCELLED = (TaskState.QUEUED, TaskState.RUNNING, TaskState.COMPLETE,
                                        TaskState.CANCELLED)
UNFINISHED = set(TaskState) - FINAL_STATES


def test_every_state_has_a_row_and_work_never_leaves_a_final_state_by_itself():
    assert set(TRANSITIONS) == set(OVERRIDES) == set(TaskState)
    for state in FINAL_STATES:
        assert TRANSITIONS[state] == frozenset() and state.is_final


def test_work_is_claimed_from_the_queue_and_finished_only_by_running_it():
    assert sources(RUNNING) == ('queued',)
    assert {s for s in TaskState if can_move(QUEUED, s)} == {RUNNING}
    assert can_move(RUNNING, QUEUED), 'a lost lease, a hand-back or a retry puts work back'
    for final in FINAL_STATES - {CANCELLED, TaskState.KILLED}:
        assert sources(final) == ('running',), final
    assert sources(CANCELLED) == sources(TaskState.KILLED) == ()


def test_people_cancel_only_unfinished_work_and_may_requeue_anything():
    assert set(sources(CANCELLED, OVERRIDES)) == {state.value for state in UNFINISHED}
    # a restart requeues every task it touches, queued ones afresh
    assert set(sources(QUEUED, OVERRIDES)) == {state.value for state in TaskState}


def test_taskfarms_put_sets_computing_or_done_from_any_other_state_as_on_the_peer():
    for new in (RUNNING, COMPLETE):
        assert set(sources(new, OVERRIDES)) == {s.value for s in TaskState} - {new.value}


def test_every_state_has_a_taskfarm_name():
    assert set(TASKFARM_NAMES) == set(TaskState)


def test_every_state_has_a_scale_name_and_a_delayed_queued_task_is_pending():
    assert set(SCALE_NAMES) == set(TaskState)
    assert scale_status(QUEUED, available_at=10.0, now=9.0) is ScaleStatus.PENDING
    assert scale_status(QUEUED, available_at=10.0, now=10.0) is ScaleStatus.QUEUED
    assert scale_status(RUNNING, available_at=99.0, now=0.0) is ScaleStatus.RUNNING
    assert {scale_status(state, 0.0, 1.0) for state in FINAL_STATES} == {
        ScaleStatus.COMPLETED, ScaleStatus.FAILED, ScaleStatus.CANCELED}


def test_each_scale_name_covers_the_states_that_show_under_it():
    assert set(scale_states(ScaleStatus.FAILED)) == {
        TaskState.ERROR, TaskState.KILLED, TaskState.TIMEOUT}
    assert scale_states(ScaleStatus.PENDING) == scale_states(ScaleStatus.QUEUED) == (QUEUED,)
    covered = [state for status in ScaleStatus if status is not ScaleStatus.PENDING
               for state in scale_states(status)]
    assert sorted(covered) == sorted(TaskState)


def test_every_state_has_an_ndscheduler_name_and_an_unimportable_class_is_a_scheduled_error():
    assert {state: ndscheduler_state(state, None) for state in TaskState} == NDSCHEDULER_NAMES
    assert set(NDSCHEDULER_NAMES) == set(TaskState)
    assert ndscheduler_state(TaskState.ERROR, 3) == 'scheduled error'
    assert ndscheduler_state(TaskState.ERROR, 1) == 'failed'
    assert ndscheduler_state(TaskState.TIMEOUT, 3) == 'timeout'
