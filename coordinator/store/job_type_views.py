"""Job types as people look at them: filtered, ordered pages, names with versions, revisions.

Configurations leave the store without their secret settings (those the type's Seed
manifest marks `"secret": true`): no reader here returns one.

Lists are filtered and ordered here in Python, over the rows of one project: versions
order by semantic version precedence (1.10.0 after 1.2.0), which SQL cannot do on a
text column, and a keyword matches within one tag of a type's JSON list of tags, not
across the list's text. A project holds job types by the hundred, not the million.
"""

import dataclasses
import json

from coordinator.errors import NotFound
from coordinator.models import JobType, JobTypeRevision
from coordinator.seed.versions import sort_key
from coordinator.store.access import Principal


@dataclasses.dataclass(frozen=True, slots=True)
class TypeView:
    """One version of a job type, as a list shows it (no manifest, no configuration)."""

    id: int
    name: str
    version: str
    title: str | None
    description: str | None
    icon_code: str | None
    tags: tuple[str, ...]
    is_active: bool
    is_paused: bool
    is_system: bool
    is_published: bool
    max_scheduled: int | None
    max_tries: int
    revision_num: int
    docker_image: str | None
    created_at: float
    deprecated_at: float | None
    paused_at: float | None
    last_modified_at: float


@dataclasses.dataclass(frozen=True, slots=True)
class TypeDetail:
    """One version in full: its manifest, and its configuration without secret settings.

    `hidden_settings` names the settings withheld, so that what is sent with a new
    manifest can be checked against every setting stored.
    """

    view: TypeView
    manifest: dict | None
    configuration: dict
    hidden_settings: tuple[str, ...]
    priority: int


@dataclasses.dataclass(frozen=True, slots=True)
class TypeName:
    """A name with its versions (oldest first) and the latest of them."""

    latest: TypeView
    versions: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class RevisionView:
    id: int
    revision_num: int
    docker_image: str | None
    created_at: float
    manifest: dict | None


@dataclasses.dataclass(frozen=True)
class Filters:
    """Which versions a list holds: all unless told. `keywords` match (case-insensitively)
    within the name or one tag, any of them; `ids` any of them."""

    keywords: tuple[str, ...] = ()
    ids: tuple[int, ...] = ()
    is_active: bool | None = None
    is_system: bool | None = None
    name: str | None = None


ORDERABLE = tuple(field.name for field in dataclasses.fields(TypeView) if field.name != 'tags')
_VIEW_COLUMNS = tuple(getattr(JobType, name) for name in ORDERABLE) + (JobType.tags,)


def list_types(principal: Principal, filters: Filters, order: tuple[str, ...], offset: int,
               limit: int) -> tuple[int, list[TypeView]]:
    """(how many versions match, the page of them in `order`): field names of TypeView in
    ORDERABLE, each ascending or, prefixed with -, descending; ties go by id."""
    views = _ordered(_matching(principal, filters), order)
    return len(views), views[offset:offset + limit]


def list_names(principal: Principal, filters: Filters, order: tuple[str, ...], offset: int,
               limit: int) -> tuple[int, list[TypeName]]:
    """(how many names have a matching version, the page of them): each with its matching
    versions and the latest of those, ordered by the latest's fields as `list_types` does."""
    by_name = {}
    for view in _ordered(_matching(principal, filters), ('version',)):
        by_name.setdefault(view.name, []).append(view)
    latest = _ordered([views[-1] for views in by_name.values()], order)
    names = [TypeName(view, tuple(other.version for other in by_name[view.name]))
             for view in latest]
    return len(names), names[offset:offset + limit]


def by_id(principal: Principal) -> dict[int, TypeView]:
    """Every version of every type of the caller's project, by id, in name and version order."""
    return {view.id: view for view in _ordered(_matching(principal, Filters()),
                                               ('name', 'version'))}


def detail(principal: Principal, name: str, version: str) -> TypeDetail:
    """The type `name` `version` of the caller's project in full, or NotFound."""
    row = JobType.get_or_none(JobType.project == principal.project_id, JobType.name == name,
                              JobType.version == version)
    if row is None:
        raise NotFound(f'no job type {name} {version}')
    manifest = _loads(row.manifest)
    configuration, hidden = _without_secrets(_loads(row.configuration) or {}, manifest)
    view = _view({field: getattr(row, field) for field in (*ORDERABLE, 'tags')})
    return TypeDetail(view, manifest, configuration, hidden, row.priority)


def _without_secrets(configuration: dict, manifest) -> tuple[dict, tuple[str, ...]]:
    """(`configuration` without the settings `manifest` marks secret, the names of those)."""
    secret = secret_settings(manifest)
    settings = configuration.get('settings') or {}
    hidden = tuple(setting for setting in settings if setting in secret)
    if not hidden:
        return configuration, ()
    shown = {key: value for key, value in settings.items() if key not in secret}
    return {**configuration, 'settings': shown}, hidden


def revisions(principal: Principal, name: str, version: str, offset: int,
              limit: int) -> tuple[TypeView, int, list[RevisionView]]:
    """(the type, how many revisions it has, the page of them newest first), or NotFound."""
    view = detail(principal, name, version).view
    query = JobTypeRevision.select().where(JobTypeRevision.job_type == view.id)
    rows = query.order_by(JobTypeRevision.revision_num.desc()).offset(offset).limit(limit)
    return view, query.count(), [_revision(row) for row in rows]


def revision(principal: Principal, name: str, version: str,
             revision_num: int) -> tuple[TypeView, RevisionView]:
    """(the type, its revision `revision_num`), or NotFound."""
    view = detail(principal, name, version).view
    row = JobTypeRevision.get_or_none(JobTypeRevision.job_type == view.id,
                                      JobTypeRevision.revision_num == revision_num)
    if row is None:
        raise NotFound(f'job type {name} {version} has no revision {revision_num}')
    return view, _revision(row)


def secret_settings(manifest) -> set[str]:
    """The names of the settings a Seed manifest marks secret."""
    job = manifest.get('job') if isinstance(manifest, dict) else None
    interface = job.get('interface') if isinstance(job, dict) else None
    settings = interface.get('settings') if isinstance(interface, dict) else None
    return {setting['name'] for setting in settings or ()
            if isinstance(setting, dict) and setting.get('secret') is True}


def version_order(version: str) -> tuple:
    """A key sorting versions by SemVer precedence, those that are not one first, by text."""
    try:
        return 1, sort_key(version), version
    except ValueError:
        return 0, (), version


def _matching(principal: Principal, filters: Filters) -> list[TypeView]:
    query = JobType.select(*_VIEW_COLUMNS).where(JobType.project == principal.project_id)
    if filters.name is not None:
        query = query.where(JobType.name == filters.name)
    if filters.ids:
        query = query.where(JobType.id.in_(filters.ids))
    if filters.is_active is not None:
        query = query.where(JobType.is_active == filters.is_active)
    if filters.is_system is not None:
        query = query.where(JobType.is_system == filters.is_system)
    views = [_view(row) for row in query.dicts()]
    if not filters.keywords:
        return views
    keywords = [keyword.casefold() for keyword in filters.keywords]
    return [view for view in views
            if any(keyword in text.casefold() for keyword in keywords
                   for text in (view.name, *view.tags))]


def _ordered(views: list[TypeView], order: tuple[str, ...]) -> list[TypeView]:
    """`views` sorted by each field of `order` in turn (-field: descending), then by id.

    Missing values (None) sort last ascending and first descending, as in PostgreSQL.
    """
    views = sorted(views, key=lambda view: view.id)
    for field in reversed(order):
        views.sort(key=_key(field.removeprefix('-')), reverse=field.startswith('-'))
    return views


def _key(field: str):
    if field == 'version':
        return lambda view: version_order(view.version)
    if field not in ORDERABLE:
        raise ValueError(f'cannot order job types by {field!r}')

    def key(view: TypeView):
        value = getattr(view, field)
        if isinstance(value, str):
            value = value.casefold(), value
        return value is None, value
    return key


def _view(row: dict) -> TypeView:
    values = {name: row[name] for name in ORDERABLE}
    return TypeView(**values, tags=tuple(_loads(row['tags']) or ()))


def _revision(row: JobTypeRevision) -> RevisionView:
    return RevisionView(row.id, row.revision_num, row.docker_image, row.created_at,
                        _loads(row.manifest))


def _loads(text: str | None):
    return None if text is None else json.loads(text)
