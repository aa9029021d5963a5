"""How /v6/ shows job types, names and revisions as JSON, and Scale's pages with absolute links.

Scale's `unmet_resources` is always null (this coordinator matches no resources to
nodes) and `recipe_types` always empty (it has no recipes): both are sent so that
clients written for Scale find every field they read.
"""

from urllib.parse import parse_qsl, quote, urlencode

from coordinator import failures
from coordinator.api.farm.views import instant, instant_z
from coordinator.errors import NotFound
from coordinator.seed.params import Page
from coordinator.store.job_type_status import SystemFailure, TypeStatus, TypeTally
from coordinator.store.job_type_views import RevisionView, TypeDetail, TypeName, TypeView
from coordinator.store.jobs import JobView
from coordinator.states import ScaleStatus, scale_status


def type_url(req, name: str, version: str) -> str:
    """The absolute URL of a job type's details (a version's + is sent as %2B)."""
    return f'{req.prefix}/v6/job-types/{quote(name, safe="")}/{quote(version, safe="")}/'


def paged(req, page: Page, count: int, results: list) -> dict:
    """{"count", "next", "previous", "results"}: NotFound past the last page, as Scale."""
    if not page.exists(count):
        raise NotFound('Invalid page.')
    return {'count': count,
            'next': _link(req, page.number + 1) if page.has_next(count) else None,
            'previous': _link(req, page.number - 1) if page.has_previous else None,
            'results': results}


def _link(req, number: int) -> str:
    """This request's URL at page `number`; the first page's has no page parameter."""
    query = [(key, value) for key, value in parse_qsl(req.query_string, keep_blank_values=True)
             if key != 'page']
    if number > 1:
        query.append(('page', str(number)))
    url = req.prefix + quote(req.path)
    return f'{url}?{urlencode(query)}' if query else url


def base_view(view: TypeView) -> dict:
    """What a revision says of its job type."""
    return {'id': view.id, 'name': view.name, 'version': view.version, 'title': view.title,
            'description': view.description, 'is_active': view.is_active,
            'is_paused': view.is_paused, 'is_published': view.is_published,
            'icon_code': view.icon_code, 'unmet_resources': None}


def type_view(view: TypeView) -> dict:
    """One version of a job type, as lists show it."""
    return {**base_view(view), 'is_system': view.is_system, 'max_scheduled': view.max_scheduled,
            'max_tries': view.max_tries, 'revision_num': view.revision_num,
            'docker_image': view.docker_image, 'created': instant(view.created_at),
            'deprecated': instant(view.deprecated_at), 'paused': instant(view.paused_at),
            'last_modified': instant(view.last_modified_at)}


def detail_view(detail: TypeDetail) -> dict:
    """One version in full; the configuration's priority is the type's own."""
    return {**type_view(detail.view), 'manifest': detail.manifest,
            'configuration': {**detail.configuration, 'priority': detail.priority},
            'recipe_types': []}


def name_view(name: TypeName) -> dict:
    """A name: its latest version's description, and every version."""
    latest = name.latest
    return {'name': latest.name, 'title': latest.title, 'description': latest.description,
            'icon_code': latest.icon_code, 'is_published': latest.is_published,
            'is_active': latest.is_active, 'is_paused': latest.is_paused,
            'is_system': latest.is_system, 'unmet_resources': None,
            'versions': list(name.versions), 'latest_version': latest.version}


def revision_view(view: TypeView, revision: RevisionView, *, detail: bool = False) -> dict:
    out = {'id': revision.id, 'job_type': base_view(view), 'revision_num': revision.revision_num,
           'docker_image': revision.docker_image, 'created': instant(revision.created_at)}
    if detail:
        out['manifest'] = revision.manifest
    return out


def status_view(row: TypeStatus) -> dict:
    """A type's counts by status, and what Scale lacks: what waits now, its last failure."""
    last = row.last_failure
    return {'job_type': base_view(row.view),
            'job_counts': [{'status': count.status.value, 'count': count.count,
                            'most_recent': instant_z(count.most_recent),
                            'category': count.category} for count in row.counts],
            'queued_now': row.queued_now,
            'last_failure': last and {'at': instant_z(last.at), 'state': last.state.value,
                                      'category': last.category, 'error_name': last.error_name}}


def tally_view(tally: TypeTally, since: str) -> dict:
    """A type's count of pending or running tasks; `since` names the field of the longest."""
    return {'job_type': base_view(tally.view), 'count': tally.count,
            since: instant_z(tally.since)}


# Scale's errors are stored objects; these built-in ones are not, so they have no times, and
# their ids are their places in this list
_BUILTIN_IDS = {name: number for number, name in enumerate(failures.BUILTIN, 1)}


def error_view(error: failures.Error) -> dict:
    """A built-in error as Scale shows one; a SYSTEM failure is retried while tries are left."""
    return {'id': _BUILTIN_IDS.get(error.name), 'name': error.name, 'title': error.title,
            'description': error.description, 'category': error.category.value,
            'is_builtin': error.builtin,
            'should_be_retried': error.category is failures.Category.SYSTEM,
            'created': None, 'last_modified': None}


def system_failure_view(failure: SystemFailure) -> dict:
    return {'job_type': base_view(failure.view), 'error': error_view(failure.error),
            'count': failure.count, 'first_error': instant_z(failure.first_at),
            'last_error': instant_z(failure.last_at)}


def job_view(job: JobView, now: float) -> dict:
    """A job: its type and revision, Scale status, input, outcome and times (Z).

    `error` is there when it FAILED, `output` once it produced one.
    """
    status = scale_status(job.state, job.available_at, now)
    failed = status is ScaleStatus.FAILED
    return {'id': job.id,
            'job_type': {'id': job.job_type_id, 'name': job.job_type_name,
                         'version': job.job_type_version, 'title': job.job_type_title},
            'job_type_rev': {'revision_num': job.revision_num},
            'status': status.value, 'priority': job.priority, 'num_exes': job.attempt,
            'max_tries': job.max_tries, 'input': job.input, 'output': job.output,
            'error': {'category': job.error_category, 'name': job.error_name} if failed else None,
            'exit_code': job.exit_code, 'created': instant_z(job.created_at),
            'queued': instant_z(job.queued_at), 'started': instant_z(job.started_at),
            'ended': instant_z(job.ended_at),
            'last_status_change': instant_z(job.status_changed_at)}
