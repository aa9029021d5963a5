"""Job types (/v6/job-types/): list and define them, the versions of a name, one version edited.

POST defines a type from its Seed manifest: a new name and version is created (201),
an existing one edited (200, with the validation). A new revision is written only when
the manifest or the image really changes; everything else is edited in place, false
and null values included.
"""

import falcon

from coordinator import models
from coordinator.api import bodies
from coordinator.api.scale import manifests, params, views
from coordinator.errors import InvalidInput
from coordinator.seed.issues import Validation
from coordinator.seed.words import shown
from coordinator.store import job_type_views, job_types
from coordinator.store.job_type_views import ORDERABLE, Filters, TypeDetail
from coordinator.store.job_types import Definition

# Scale's names of the fields a list may be ordered by (created for created_at, ...)
ORDER_FIELDS = {field.removesuffix('_at'): field for field in ORDERABLE}
# what POST and PATCH take; auto_update (of recipes, which this coordinator does not have) is
# accepted, as Scale's clients send it, and changes nothing
FIELDS = frozenset({'docker_image', 'manifest', 'configuration', 'icon_code', 'is_active',
                    'is_paused', 'is_published', 'max_scheduled', 'max_tries', 'auto_update'})
FLAGS = ('is_active', 'is_paused', 'is_published')
MAX_TRIES = 100
MAX_SCHEDULED = 2**31 - 1
MAX_ICON_CODE = models.JobType.icon_code.max_length
MAX_IMAGE = models.JobType.docker_image.max_length


def governance(body: dict) -> dict:
    """The fields sent that govern a type in place; null means no icon, or no cap."""
    fields = {flag: bodies.boolean(body[flag], flag) for flag in FLAGS if flag in body}
    bodies.optional(body, 'auto_update', bodies.boolean)
    if 'icon_code' in body:
        fields['icon_code'] = _nullable(body['icon_code'], bodies.text, 'icon_code',
                                        MAX_ICON_CODE, empty_ok=True)
    if 'max_scheduled' in body:
        fields['max_scheduled'] = _nullable(body['max_scheduled'], bodies.integer,
                                            'max_scheduled', minimum=1, maximum=MAX_SCHEDULED)
    if 'max_tries' in body:
        fields['max_tries'] = bodies.integer(body['max_tries'], 'max_tries', minimum=1,
                                             maximum=MAX_TRIES)
    return fields


def _nullable(value, check, name: str, *args, **kwargs):
    return None if value is None else check(value, name, *args, **kwargs)


def _image(value) -> str | None:
    """The image the type runs in; null: it runs directly on the node (as HPC jobs mostly do),
    where farmworker serve runs a Seed command without a container."""
    return _nullable(value, bodies.text, 'docker_image', MAX_IMAGE)


def _page_of_types(req, resp, filters: Filters, order: tuple[str, ...]) -> None:
    page = params.page(req)
    count, found = job_type_views.list_types(req.context.principal, filters, order,
                                             page.offset, page.size)
    resp.media = views.paged(req, page, count, [views.type_view(view) for view in found])


class JobTypes(bodies.BodyResource):
    """GET /v6/job-types/ (filtered, ordered, paged) and POST to define one."""

    def on_get(self, req, resp):
        filters = Filters(keywords=params.texts(req, 'keyword'), ids=params.ids(req),
                          is_active=params.boolean(req, 'is_active'),
                          is_system=params.boolean(req, 'is_system'))
        _page_of_types(req, resp, filters, params.order(req, ORDER_FIELDS, ('name', 'version')))

    def on_post(self, req, resp):
        body = self._read_body(req)
        bodies.only_keys(body, FIELDS)
        image = _image(bodies.required(body, 'docker_image'))
        sent = bodies.required(body, 'manifest')
        # a secret setting sent null is left out, as PATCH takes it: checked without it
        manifest, validation = manifests.checked(sent, job_types.with_secrets_kept(
            body.get('configuration'), {}, job_type_views.secret_settings(sent)))
        _refuse_unless_valid(validation)
        fields = {**governance(body), **manifests.manifest_fields(manifest)}
        if 'configuration' in body:
            fields.update(manifests.configuration_fields(body['configuration']))
        name, version = manifest['job']['name'], manifest['job']['jobVersion']
        principal = req.context.principal
        _, created = job_types.define(principal, name, version,
                                      Definition(manifest=manifest, docker_image=image),
                                      fields)
        if not created:
            resp.media = validation.to_dict()
            return
        resp.status = falcon.HTTP_201
        resp.location = views.type_url(req, name, version)
        resp.media = views.detail_view(job_type_views.detail(principal, name, version))


class Versions:
    """GET /v6/job-types/{name}/: its versions, the newest first (none for an unknown name)."""

    def on_get(self, req, resp, name):
        _page_of_types(req, resp, Filters(name=name, is_active=params.boolean(req, 'is_active')),
                       ('-version',))


class Version(bodies.BodyResource):
    """GET /v6/job-types/{name}/{version}/ in full, and PATCH to edit it.

    GET leaves out the settings the manifest marks secret. A PATCHed `configuration`
    replaces the stored one, except that each secret setting it leaves out or sends null
    (as a client that GETs, edits and sends back does) keeps its stored value; a new value
    replaces it. A null `configuration` removes the configuration, secrets too.
    """

    def on_get(self, req, resp, name, version):
        resp.media = views.detail_view(job_type_views.detail(req.context.principal, name,
                                                             version))

    def on_patch(self, req, resp, name, version):
        body = self._read_body(req)
        bodies.only_keys(body, FIELDS)
        fields = governance(body)
        principal = req.context.principal
        current = job_type_views.detail(principal, name, version)
        changes = {'docker_image': _image(body['docker_image'])} if 'docker_image' in body else {}
        # checked as it will be stored: with the secret settings that keep their values
        configuration = _as_stored(body.get('configuration', current.configuration), current,
                                   body.get('manifest'))
        validation = Validation()
        if 'manifest' in body:
            manifest, validation = manifests.checked(body['manifest'], configuration)
            _refuse_unless_valid(validation)
            _refuse_unless_named(manifest, name, version)
            changes['manifest'] = manifest
            fields.update(manifests.manifest_fields(manifest))
        elif 'configuration' in body:
            validation = manifests.checked_configuration(configuration, current.manifest)
            _refuse_unless_valid(validation)
        if 'configuration' in body:
            fields.update(manifests.configuration_fields(body['configuration']))
        job_types.edit(principal, name, version, fields, changes or None)
        resp.media = validation.to_dict()


def _as_stored(configuration, current: TypeDetail, manifest=None):
    """`configuration` as `job_types.edit` will store it over `current`'s, with `manifest` if
    one is sent: the secret settings kept stand by name only (no reader has their values)."""
    secret = job_type_views.secret_settings(current.manifest) | job_type_views.secret_settings(
        manifest)
    return job_types.with_secrets_kept(configuration, dict.fromkeys(current.hidden_settings, ''),
                                       secret)


def _refuse_unless_valid(validation: Validation) -> None:
    if not validation.is_valid:
        raise manifests.refusal(validation)


def _refuse_unless_named(manifest: dict, name: str, version: str) -> None:
    job = manifest['job']
    if (job['name'], job['jobVersion']) != (name, version):
        raise InvalidInput(f"the manifest's job.name and job.jobVersion, {shown(job['name'])} "
                           f"and {shown(job['jobVersion'])}, must be this job type's: "
                           f'{shown(name)} and {shown(version)}')
