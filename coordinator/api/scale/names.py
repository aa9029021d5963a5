"""Job type names (/v6/job-type-names/): one row per name, its versions and the latest of them."""

from coordinator.api.scale import params, views
from coordinator.api.scale.job_types import ORDER_FIELDS
from coordinator.store import job_type_views
from coordinator.store.job_type_views import Filters

# a name is ordered by its latest version's fields
NAME_ORDER_FIELDS = {**{field: ORDER_FIELDS[field] for field in (
    'name', 'title', 'description', 'icon_code', 'is_active', 'is_paused', 'is_system',
    'is_published')}, 'latest_version': 'version'}


class Names:
    """GET /v6/job-type-names/: the names with a version that matches the filters, which
    choose the versions listed and so the latest of them."""

    def on_get(self, req, resp):
        page = params.page(req)
        filters = Filters(keywords=params.texts(req, 'keyword'), ids=params.ids(req),
                          is_active=params.boolean(req, 'is_active'),
                          is_system=params.boolean(req, 'is_system'))
        order = params.order(req, NAME_ORDER_FIELDS, ('name',))
        count, found = job_type_views.list_names(req.context.principal, filters, order,
                                                 page.offset, page.size)
        resp.media = views.paged(req, page, count, [views.name_view(name) for name in found])
