"""The answer to a scrape: this server's instruments (summed over its processes) and the
store's gauges, read at scrape time, in the Prometheus text format."""

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from coordinator.metrics import instruments, multiprocess
from coordinator.store import gauges, worker_views
from coordinator.store.access import Principal

# the classic text format: every Prometheus server reads it
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4


class _ProcessInstruments:
    """This process's instruments, when it counts in memory (no gunicorn: tests, one process)."""

    def collect(self):
        for metric in instruments.get().all():
            yield from metric.collect()


class _StoreGauges:
    """Tasks and workers as the store counts them now, as `principal` may see them."""

    def __init__(self, principal: Principal):
        self._principal = principal

    def collect(self):
        tasks = GaugeMetricFamily('farm_tasks', "Runs' tasks by project, job type and state",
                                  labels=('project', 'job_type', 'version', 'state'))
        for item in gauges.run_tasks(self._principal):
            for state, count in item.counts.items():
                tasks.add_metric((item.project, item.job_type, item.version, state), count)
        yield tasks
        queued = GaugeMetricFamily('farm_queued_work_running',
                                   'Queued work running now, by project and job type',
                                   labels=('project', 'job_type', 'version'))
        for item in gauges.queued_work_running(self._principal):
            queued.add_metric((item.project, item.job_type, item.version), item.counts['running'])
        yield queued
        workers = GaugeMetricFamily('farm_workers', 'Workers (agents) by state: idle, busy and '
                                    'draining are alive', labels=('state',))
        for state, count in worker_views.count_by_state(self._principal).items():
            workers.add_metric((state,), count)
        yield workers


def scrape(principal: Principal) -> bytes:
    """The metrics text for `principal`: the store's gauges show what it may see."""
    registry = CollectorRegistry(auto_describe=False)
    path = multiprocess.directory()
    if path:
        MultiProcessCollector(registry, path)
    else:
        registry.register(_ProcessInstruments())
    registry.register(_StoreGauges(principal))
    return generate_latest(registry)
