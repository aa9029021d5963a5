"""Revisions of a job type (/v6/job-types/{name}/{version}/revisions/): what it ran, when."""

from coordinator.api.scale import params, views
from coordinator.store import job_type_views


class Revisions:
    """GET .../revisions/: the newest first, a page at a time."""

    def on_get(self, req, resp, name, version):
        page = params.page(req)
        view, count, found = job_type_views.revisions(req.context.principal, name, version,
                                                      page.offset, page.size)
        resp.media = views.paged(req, page, count,
                                 [views.revision_view(view, revision) for revision in found])


class Revision:
    """GET .../revisions/{revision_num}/: one revision with its manifest."""

    def on_get(self, req, resp, name, version, revision_num):
        view, revision = job_type_views.revision(req.context.principal, name, version,
                                                 revision_num)
        resp.media = views.revision_view(view, revision, detail=True)
