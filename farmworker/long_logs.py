"""Logs longer than a result's tail, sent whole up to the coordinator's cap: IronWorker tasks'.

A result carries the last 16 KB of a task's log. An IronWorker task's users read its log
back from the coordinator, so when a code package's task wrote more, its agent sends the
log's tail up to the cap the claim gave (`max_log_bytes`), with a first line saying how
much was cut, by `PUT /farm/v1/tasks/{id}/log` before its result; the result then goes
without its own tail. Tasks whose whole log fits a result's tail cost no extra request.
"""

import logging
import os
from pathlib import Path

from farmworker.client import Client, CoordinatorError
from farmworker.executors import Finished, read_tail

log = logging.getLogger(__name__)
SEND_GIVE_UP_S = 30.0  # then the result's tail will do: the agent loop waits for no log


def capped_log(path: Path, limit_bytes: int) -> str:
    """The log's last `limit_bytes`, after a line saying how much before them was cut."""
    try:
        size = os.path.getsize(path)
    except OSError:
        return ''
    text = read_tail(path, limit_bytes)
    if size <= limit_bytes:
        return text
    return (f'[farmworker: the first {size - limit_bytes:,} bytes of this {size:,}-byte log '
            f'were cut; its last {limit_bytes:,} bytes follow]\n' + text)


def was_cut(done: Finished) -> bool:
    """Whether the log is longer than the tail the result carries."""
    try:
        size = os.path.getsize(done.log_path)
    except OSError:
        return False
    return size > len(done.log_tail.encode('utf-8', 'replace'))


def send(client: Client, worker_uuid: str, done: Finished, limit_bytes: int) -> bool:
    """Send the task's log if its result's tail cut it; whether the coordinator has it."""
    if not was_cut(done):
        return False
    body = {'worker_uuid': worker_uuid, 'attempt': done.attempt,
            'log': capped_log(done.log_path, limit_bytes)}
    try:
        client.call('PUT', f'/tasks/{done.number}/log', body, give_up_s=SEND_GIVE_UP_S)
    except CoordinatorError as error:
        log.warning('task %s: its log stays at its tail: %s', done.number, error)
        return False
    return True
