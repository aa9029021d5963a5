"""Threads released at once, for store tests that race two operations on the same rows."""

import threading


def race(*actions) -> list[str]:
    """Run `actions` in threads released together; the errors they raised, as text."""
    go, errors = threading.Barrier(len(actions)), []

    def start(action):
        go.wait(10)
        try:
            action()
        except Exception as exc:  # at the HTTP edge this would be a 500
            errors.append(f'{type(exc).__name__}: {exc}')

    threads = [threading.Thread(target=start, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return errors
