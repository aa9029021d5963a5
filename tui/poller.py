"""The poller: fetches the visible screen's feeds in a background thread, hands replies to the UI.

The UI thread only ever swaps the list of feeds (one assignment) and sets an
event to ask for an early refresh; it never waits on the network. The thread
delivers through `deliver`, which the app binds to `call_from_thread`.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from farmworker.client import CoordinatorError
from farmworker.farm_api import FarmApi


@dataclass(frozen=True)
class Feed:
    """One request a screen needs each refresh; `key` names its reply in the app's state."""

    key: str
    fetch: Callable[[FarmApi], Any]


@dataclass(frozen=True)
class Reply:
    """What one fetch produced: data, or the error that prevented it, and how long it took."""

    key: str
    data: Any = None
    error: CoordinatorError | None = None
    elapsed_s: float = 0.0


class Poller:
    """A daemon thread: each round fetches every current feed, then waits for the interval.

    A daemon thread rather than a Textual thread worker: those run in the default
    executor, which the interpreter joins at exit, so a request in flight to a hung
    coordinator would hold `q` for the whole timeout.
    """

    def __init__(self, client: FarmApi, interval_s: float,
                 deliver: Callable[[Reply], None], retry_s: float | None = None):
        self.client = client
        self.interval_s = interval_s
        # after a failure try again sooner than the interval (but not in a tight loop)
        self.retry_s = min(interval_s, 2.0) if retry_s is None else retry_s
        self.deliver = deliver
        self.feeds: tuple[Feed, ...] = ()
        self._wake = threading.Event()
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self.run, name='farm-tui-poller', daemon=True).start()

    def watch(self, feeds: list[Feed]) -> None:
        """From the UI thread: poll these feeds from now on, starting at once."""
        self.feeds = tuple(feeds)
        self.wake()

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            failed = self.poll_once()
            self._wake.wait(self.retry_s if failed else self.interval_s)

    def poll_once(self) -> bool:
        """Fetch every current feed and deliver each reply; whether a fetch failed."""
        for feed in self.feeds:
            reply = self.fetch(feed)
            if self._stop.is_set():
                return False
            self.deliver(reply)
            if reply.error is not None:
                return True  # the next feed would fail the same way; say it once
        return False

    def fetch(self, feed: Feed) -> Reply:
        started = time.perf_counter()
        try:
            data = feed.fetch(self.client)
        except CoordinatorError as error:
            return Reply(feed.key, error=error, elapsed_s=time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 (see below)
            # a reply we cannot read (a coordinator newer or older than us): say so on screen
            # and keep polling; a dead poller thread would leave a dashboard frozen in silence
            error = CoordinatorError(f'unexpected reply for {feed.key}: {type(exc).__name__}: {exc}')
            return Reply(feed.key, error=error, elapsed_s=time.perf_counter() - started)
        return Reply(feed.key, data=data, elapsed_s=time.perf_counter() - started)
