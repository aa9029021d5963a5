"""States: the transition table is closed, finals are final, every state has a taskfarm name."""

from coordinator.states import FINAL_STATES, TASKFARM_NAMES, TRANSITIONS, TaskState, can_move


def test_every_state_has_a_row_and_finished_tasks_never_move():
    assert set(TRANSITIONS) == set(TaskState)
    for state in FINAL_STATES:
        assert TRANSITIONS[state] == frozenset() and state.is_final


def test_work_is_only_finished_by_running_it_or_cancelling_it():
    assert can_move(TaskState.QUEUED, TaskState.RUNNING)
    assert not can_move(TaskState.QUEUED, TaskState.COMPLETE)
    assert can_move(TaskState.RUNNING, TaskState.QUEUED), 'a lost lease puts work back'
    assert {s for s in TaskState if can_move(TaskState.QUEUED, s)} == {TaskState.RUNNING,
                                                                       TaskState.CANCELLED}


def test_every_state_has_a_taskfarm_name():
    assert set(TASKFARM_NAMES) == set(TaskState)
