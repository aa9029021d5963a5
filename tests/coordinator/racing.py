"""Threads released at once, for store tests that race two operations on the same rows."""

import threading
import time

LEAD_S = 0.002  # how long the others wait after `race(..., leader=i)` releases action i


def race(*actions, leader: int | None = None) -> list[str]:
    """Run `actions` in threads released together (or `leader` first, the others LEAD_S after
    it: a race whose winner is left to the scheduler can go one way every time on a quiet
    machine); the errors they raised, as text."""
    go, errors = threading.Barrier(len(actions)), []

    def start(index, action):
        go.wait(10)
        if leader is not None and index != leader:
            time.sleep(LEAD_S)
        try:
            action()
        except Exception as exc:  # at the HTTP edge this would be a 500
            errors.append(f'{type(exc).__name__}: {exc}')

    threads = [threading.Thread(target=start, args=pair) for pair in enumerate(actions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors
