"""The dashboard's actions on runs, tasks, job types, schedules and allocation queues, each
confirmed first."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from tui import format as fmt

if TYPE_CHECKING:
    from tui.app import FarmApp


def restart_run(app: 'FarmApp', run: dict) -> None:
    def act(choice, client):
        reply = client.restart_run(run['uuid'], all_tasks=choice == 'all')
        waiting = fmt.counted(reply['waiting'], 'task')
        return f'run {fmt.run_label(run)} restarted: {waiting} waiting'

    app.confirm(f'Restart run {fmt.run_label(run)} ({fmt.short(run["uuid"])})?\n'
                'Failed only: failed and cancelled tasks (and running ones whose worker is gone) '
                'wait again. All tasks: every task runs again with fresh tries.',
                [('failed', 'Failed only', 'primary'), ('all', 'All tasks', 'warning')], act)


def cancel_run(app: 'FarmApp', run: dict) -> None:
    def act(choice, client):
        client.cancel_run(run['uuid'])
        return f'run {fmt.run_label(run)} cancelled'

    app.confirm(f'Cancel run {fmt.run_label(run)} ({fmt.short(run["uuid"])})?\n'
                'Waiting and running tasks become cancelled; agents stop the running ones.',
                [('cancel', 'Cancel run', 'warning')], act)


def delete_run(app: 'FarmApp', run: dict, then: Callable[[], None] | None = None) -> None:
    def act(choice, client):
        client.delete_run(run['uuid'])
        if then is not None:
            app.call_from_thread(then)
        return f'run {fmt.run_label(run)} deleted'

    app.confirm(f'Delete run {fmt.run_label(run)} ({fmt.short(run["uuid"])}) and all its '
                f'{fmt.counted(run["num_tasks"], "task")}?\nThis cannot be undone.',
                [('delete', 'Delete', 'error')], act)


def cancel_task(app: 'FarmApp', run: dict, number: int) -> None:
    def act(choice, client):
        reply = client.cancel_task(run['uuid'], number)
        return f'task {number} of {fmt.run_label(run)} is {reply["status"]}'

    app.confirm(f'Cancel task {number} of run {fmt.run_label(run)}?\n'
                'If it is running, its agent is told to stop it.',
                [('cancel', 'Cancel task', 'warning')], act)


def pause_or_resume_job_type(app: 'FarmApp', job_type: dict) -> None:
    """Pause an unpaused type, resume a paused one."""
    label = f'{job_type["name"]} {job_type["version"]}'
    pause = not job_type['is_paused']

    def act(choice, client):
        client.edit_job_type(job_type['name'], job_type['version'], {'is_paused': pause})
        return f'job type {label} {"paused" if pause else "resumed"}'

    inactive = '' if job_type['is_active'] else (
        '\nIt is inactive: its tasks are not handed out either way.')
    if pause:
        app.confirm(f'Pause job type {label}?\nIts queued tasks wait and no agent is given one '
                    f'until it is resumed; running ones finish.{inactive}',
                    [('pause', 'Pause', 'warning')], act)
    else:
        app.confirm(f'Resume job type {label}?\nAgents are given its queued tasks again.'
                    f'{inactive}', [('resume', 'Resume', 'primary')], act)


def _cron_job_label(app: 'FarmApp', schedule: dict) -> str | None:
    """How a confirmation names an ndscheduler cron job; None (and a word why) for another
    family's schedule, which its own API steers."""
    label = f'{schedule["name"] or fmt.short(schedule["id"])} ({schedule["family"]})'
    if schedule['family'] != 'ndscheduler':
        app.notify(f'schedule {label} is steered through its own API', severity='warning')
        return None
    return label


def pause_or_resume_schedule(app: 'FarmApp', schedule: dict) -> None:
    """Pause an unpaused cron job, resume a paused one (other families steer theirs)."""
    if (label := _cron_job_label(app, schedule)) is None:
        return
    pause = not schedule['is_paused']

    def act(choice, client):
        (client.pause_cron_job if pause else client.resume_cron_job)(schedule['id'])
        return f'schedule {label} {"paused" if pause else "resumed"}'

    if pause:
        app.confirm(f'Pause schedule {label}?\nIt does not fire until it is resumed; what it '
                    'queued already runs.', [('pause', 'Pause', 'warning')], act)
    else:
        app.confirm(f'Resume schedule {label}?\nIt fires again from its next fire time.',
                    [('resume', 'Resume', 'primary')], act)


def run_schedule_now(app: 'FarmApp', schedule: dict) -> None:
    """Queue an execution of a cron job now, besides its fire times (ndscheduler's run now)."""
    if (label := _cron_job_label(app, schedule)) is None:
        return

    def act(choice, client):
        execution = client.run_cron_job(schedule['id'])['execution_id']
        return f'schedule {label}: execution {fmt.short(execution)} queued'

    app.confirm(f'Run schedule {label} now?\nOne execution is queued at once; its fire times '
                'stay as they are.', [('run', 'Run now', 'primary')], act)


def pause_or_resume_allocation(app: 'FarmApp', queue: dict) -> None:
    """Pause an active allocation queue, resume a paused one."""
    pause = not queue['paused']

    def act(choice, client):
        client.change_allocation(queue['name'], {'paused': pause})
        return f'allocation queue {queue["name"]} {"paused" if pause else "resumed"}'

    if pause:
        app.confirm(f'Pause allocation queue {queue["name"]}?\nNo more Slurm jobs are '
                    'submitted for it; those submitted go on.', [('pause', 'Pause', 'warning')],
                    act)
    else:
        app.confirm(f'Resume allocation queue {queue["name"]}?\nIt submits jobs for the waiting '
                    'work again, at once.', [('resume', 'Resume', 'primary')], act)
