"""The coordinator's Prometheus instruments: requests, claims, reports, lease expiries, database
errors, counted by the process that sees them.

Instruments are process-wide by nature (under gunicorn each worker writes its own
multiprocess file, `coordinator.metrics.multiprocess`), so, like peewee's database,
they are a module's state rather than injected. They are built on first use, not at
import: prometheus_client picks in-memory or file-backed values when an instrument is
built, and a gunicorn master imports this module before it sets multiprocess mode up.
Children are kept by their labels here because `labels()` costs more than the count.
"""

import threading

# request latency in seconds: the hot claim and report calls take a millisecond or two
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                     10.0)


class Instruments:
    """One process's instruments, registered nowhere: the scrape collects them
    (`coordinator.metrics.exposition`)."""

    def __init__(self):
        # imported here: the store counts with these, and farm-coordinator's other commands,
        # which import the store, need not pay prometheus_client's ~50 ms import
        from prometheus_client import Counter, Histogram

        self.requests = Histogram(
            'farm_http_request_duration_seconds',
            'Requests by API family, route template, method and status, by time to answer '
            '(_count: how many)', ('family', 'route', 'method', 'status'),
            buckets=LATENCY_BUCKETS_S, registry=None)
        self.claimed = Counter('farm_tasks_claimed', "Tasks handed to workers, from runs or "
                               'queued work', ('source',), registry=None)
        self.reported = Counter('farm_tasks_reported', 'Results accepted from workers, by outcome',
                                ('outcome',), registry=None)
        self.lease_expiries = Counter('farm_lease_expiries', 'Running tasks taken back from '
                                      'workers declared lost (requeued, or failed out of tries)',
                                      registry=None)
        self.workers_lost = Counter('farm_workers_declared_lost', 'Workers declared lost for '
                                    'missing heartbeats', registry=None)
        self.database_errors = Counter('farm_database_errors', 'Requests answered 503 because '
                                       'the database failed', registry=None)
        self._children = {}
        self.by_request = {}  # the `requests` child of each request key (`request`)

    def all(self) -> tuple:
        return (self.requests, self.claimed, self.reported, self.lease_expiries,
                self.workers_lost, self.database_errors)

    def child(self, metric, labels: tuple):
        """`metric.labels(*labels)`, remembered: a dict lookup on the hot path."""
        key = (metric, labels)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = metric.labels(*labels)
        return found


_instruments: Instruments | None = None
_building = threading.Lock()


def get() -> Instruments:
    """This process's instruments, built on first use."""
    global _instruments
    if _instruments is None:
        with _building:
            if _instruments is None:
                _instruments = Instruments()
    return _instruments


def forget() -> None:
    """Build the instruments again on next use (multiprocess mode was just switched on)."""
    global _instruments
    _instruments = None


def request(key: tuple, labels_of, seconds: float) -> None:
    """Time one request; `labels_of(key)` gives the labels of a `key` seen for the first time.

    The key is the caller's cheapest unique name for the labels (the route template,
    method and status, as they come), so a request costs one dict lookup.
    """
    instruments = get()
    found = instruments.by_request.get(key)
    if found is None:
        found = instruments.by_request[key] = instruments.requests.labels(*labels_of(key))
    found.observe(seconds)


def claimed(source: str, count: int) -> None:
    """`count` tasks handed out from `source`: 'run' or 'queue'."""
    if count:
        instruments = get()
        instruments.child(instruments.claimed, (source,)).inc(count)


def reported(outcome: str, count: int = 1) -> None:
    if count:
        instruments = get()
        instruments.child(instruments.reported, (outcome,)).inc(count)


def leases_expired(count: int) -> None:
    if count:
        get().lease_expiries.inc(count)


def workers_lost(count: int) -> None:
    if count:
        get().workers_lost.inc(count)


def database_error() -> None:
    get().database_errors.inc()
