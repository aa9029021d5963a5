"""Dashboard cells: progress bars, coloured states and the task fields (plain values: test_readable)."""

from tests.tui.canned import NOW, TASKS
from tui import format as fmt
from tui.screens.task import task_fields


def test_the_progress_bar_shows_done_failed_and_running_in_proportion():
    run = {'num_tasks': 10, 'done': 5, 'failed': 2, 'cancelled': 0, 'running': 1,
           'percent_done': 70.0}
    bar = fmt.progress_bar(run, width=10)
    assert bar.plain == '████████░░  70.0%'
    assert [(span.end - span.start, span.style) for span in bar.spans[:3]] == [
        (5, fmt.GREEN), (2, fmt.RED), (1, fmt.ORANGE)]


def test_a_task_with_one_failed_try_says_so_in_the_singular():
    fields = task_fields({**TASKS[1], 'attempt': 2, 'failed_tries': 1}, NOW).plain
    assert 'attempt    2 (1 failed try)' in fields.splitlines()
