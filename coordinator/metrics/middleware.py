"""Falcon middleware timing every request by API family, route template, method and status."""

import time

import falcon

from coordinator.metrics import instruments

# (prefix of a route template or path, family), the longest first: /api/v1/ is ndscheduler
FAMILIES = (('/farm/v1/', 'farm'), ('/api/v1/', 'ndscheduler'), ('/api/', 'taskfarm'),
            ('/2/', 'ironworker'), ('/v6/', 'scale'))
_METHODS = frozenset(falcon.COMBINED_METHODS)
UNROUTED = '(unrouted)'  # the route of a path no route serves: one label, whatever the path


def family(path: str) -> str:
    return next((name for prefix, name in FAMILIES if path.startswith(prefix)), 'ops')


class RequestMetrics:
    """Counts each request under its route's template, never its path, so the number of
    series stays bounded by the routes served however many runs and tasks there are."""

    def process_request(self, req, resp):
        req.context.started_s = time.perf_counter()

    def process_response(self, req, resp, resource, req_succeeded):
        started_s = getattr(req.context, 'started_s', None)
        if started_s is None:
            return
        # any token is a method to gunicorn: a label of each would be unbounded
        method = req.method if req.method in _METHODS else 'OTHER'
        # a path no route serves is named by its family: the template's place is free
        key = (req.uri_template or family(req.path), method, resp.status_code)
        instruments.request(key, _labels, time.perf_counter() - started_s)


def _labels(key: tuple) -> tuple[str, str, str, str]:
    """(family, route, method, status) of a request key made by `RequestMetrics`."""
    route, method, status = key
    if not route.startswith('/'):
        return route, UNROUTED, method, str(status)
    return family(route), route, method, str(status)
