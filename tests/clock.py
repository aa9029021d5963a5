"""A clock that tests set by hand, for code that takes its clock as a parameter."""


class Clock:
    """Callable like time.monotonic; `now` moves only when a test moves it."""

    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now
