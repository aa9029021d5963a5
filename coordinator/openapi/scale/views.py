"""OpenAPI schemas of how /v6/ shows job types, and the parameters and answers routes share."""

import copy

from coordinator.api.scale.job_types import MAX_ICON_CODE, MAX_IMAGE, MAX_SCHEDULED, MAX_TRIES
from coordinator.api.scale.manifests import MAX_PRIORITY, MAX_TIMEOUT_S
from coordinator.api.scale.params import MAX_ID
from coordinator.models import JobType
from coordinator.openapi.helpers import (BOOL, INSTANT, INT, NO_NUL, STR, WHEN, array, closed,
                                         error, integer, nullable, obj, query_param,
                                         record, ref, response, text)
from coordinator.seed.configuration import VERSIONS
from coordinator.seed.params import MAX_PAGE
from coordinator.seed.schema import CONFIGURATION_SCHEMA, MANIFEST_SCHEMA

BAD_QUERY = error('a query parameter is malformed: a page that is not a whole number from 1, '
                  'a boolean that is not one, an id that is not a number, an unknown order')
NOT_FOUND = error('no job type of that name and version in your project')
_ALWAYS_NULL = nullable({'type': 'string', 'description': 'always null: this coordinator does '
                                                           'not match resources to nodes'})
_BASE = {'id': INT, 'name': STR, 'version': STR, 'title': nullable(STR),
         'description': nullable(STR), 'is_active': BOOL, 'is_paused': BOOL,
         'is_published': BOOL, 'icon_code': nullable(STR), 'unmet_resources': _ALWAYS_NULL}
_TYPE = {**_BASE, 'is_system': BOOL,
         'max_scheduled': nullable({'type': 'integer', 'description': 'null: no cap'}),
         'max_tries': INT, 'revision_num': INT, 'docker_image': nullable(STR),
         'created': INSTANT, 'deprecated': WHEN, 'paused': WHEN, 'last_modified': INSTANT}
_REVISION = {'id': INT, 'job_type': ref('ScaleJobTypeBase'), 'revision_num': INT,
             'docker_image': nullable(STR), 'created': INSTANT}
_ISSUE = record({'name': STR, 'description': STR})
# the governance fields POST and PATCH take
EDITABLE = {
    'icon_code': nullable(text(MAX_ICON_CODE, empty_ok=True)),
    'is_active': BOOL, 'is_paused': BOOL, 'is_published': BOOL,
    'max_scheduled': nullable(integer(1, MAX_SCHEDULED, description='null: no cap')),
    'max_tries': integer(1, MAX_TRIES),
    'auto_update': {'type': 'boolean', 'description': 'accepted; there are no recipes to update'},
}
MANIFEST = {'anyOf': [ref('SeedManifest'),
                      {'type': 'string', 'description': 'the JSON text of a Seed manifest'}]}
_CONFIGURATION = {key: value for key, value in CONFIGURATION_SCHEMA.items() if key != '$schema'}
CONFIGURATION = nullable({**_CONFIGURATION, 'properties': {
    **_CONFIGURATION['properties'], 'priority': integer(1, MAX_PRIORITY),
    'version': {'type': 'string', 'enum': list(VERSIONS)},
    'settings': {'type': 'object', 'additionalProperties': STR}}})
MAX_NAME, MAX_VERSION, MAX_TITLE = (JobType.name.max_length, JobType.version.max_length,
                                    JobType.title.max_length)


def _seed_manifest() -> dict:
    """The Seed 1.0.0 schema as this coordinator reads it: an error without the name Seed 1.0.0
    requires is named from its title or exit code (with a warning), as older manifests expect;
    and the limits of the checks beyond the schema that a schema can state."""
    # members are replaced, not changed: the schema shares one {"type": "string"} and the like
    schema = copy.deepcopy({key: value for key, value in MANIFEST_SCHEMA.items()
                            if key != '$schema'})
    job = schema['properties']['job']['properties']
    job['errors']['items']['required'] = ['code']
    job['name'] = {**job['name'], 'maxLength': MAX_NAME}
    job['jobVersion'] = {**job['jobVersion'], 'maxLength': MAX_VERSION}
    job['title'] = {**job['title'], **text(MAX_TITLE, empty_ok=True)}
    job['description'] = {**job['description'], 'not': NO_NUL}
    job['timeout'] = integer(1, MAX_TIMEOUT_S)
    scalar = job['resources']['properties']['scalar']['items']['properties']
    scalar.update(value={'type': 'number', 'minimum': 0},
                  inputMultiplier={'type': 'number', 'minimum': 0})
    mount = job['interface']['properties']['mounts']['items']['properties']
    mount['path'] = {'type': 'string', 'pattern': '^/', 'description': 'absolute, without ..',
                     'not': {'pattern': '(^|/)[.][.](/|$)|\\u0000'}}
    return schema


SCHEMAS = {
    'ScaleError': record({'detail': STR}),
    'SeedManifest': _seed_manifest(),
    'ScaleJobTypeBase': record(_BASE),
    'ScaleJobType': record(_TYPE),
    'ScaleJobTypeDetail': record({
        **_TYPE, 'manifest': nullable({'type': 'object', 'description': 'null for a type '
                                                                        'without a Seed manifest'}),
        'configuration': {'type': 'object', 'description': 'as stored, without the settings the '
                                                           'manifest marks secret; priority is '
                                                           "the type's"},
        'recipe_types': array(obj({}), max_items=0, description='always empty: no recipes')}),
    'ScaleJobTypeName': record({
        **{key: value for key, value in _BASE.items() if key not in ('id', 'version')},
        'is_system': BOOL, 'versions': array(STR, description='oldest first, by SemVer'),
        'latest_version': STR}),
    'ScaleJobTypeRevision': record(_REVISION),
    'ScaleJobTypeRevisionDetail': record({**_REVISION, 'manifest': nullable({'type': 'object'})}),
    'ScaleValidation': record({'is_valid': BOOL, 'errors': array(_ISSUE),
                               'warnings': array(_ISSUE)}),
}

VALIDATION = response('the manifest and configuration are valid, with any warnings',
                      ref('ScaleValidation'))
BOOLEAN = {'type': 'string', 'pattern': '^([tT]([rR][uU][eE])?|[fF]([aA][lL][sS][eE])?|0|1)$',
           'description': 'true, t or 1, or false, f or 0, in any case'}


def pages(schema: str, not_found: str = '') -> dict:
    """The answers of a paged list of `schema`: a page with absolute links to the pages beside
    it, or 404 past the last (or for what `not_found` says)."""
    return {200: response('one page', record({'count': INT, 'next': nullable(STR),
                                              'previous': nullable(STR),
                                              'results': array(ref(schema))})),
            400: BAD_QUERY,
            404: error(f'{not_found}a page past the last ({{"detail": "Invalid page."}})')}


def paging() -> list:
    return [query_param('page', integer(1, MAX_PAGE, default=1),
                        'from 1; past the last page is a 404'),
            query_param('page_size', STR, 'rows per page: 100 unless a whole number from 1, '
                                          'at most 1000 (more is read as 1000)')]


def boolean(name: str, description: str) -> dict:
    return query_param(name, BOOLEAN, description)


def repeated(name: str, items: dict, description: str) -> dict:
    return {**query_param(name, array(items), description), 'style': 'form', 'explode': True}


def filters() -> list:
    """The filters of the lists of job types and of names."""
    return [repeated('keyword', STR, 'a part of the name or of one tag, in any case; '
                                     'repeat for any of several'),
            repeated('id', integer(0, MAX_ID), 'repeat for any of several'),
            boolean('is_active', 'only active (or only inactive) versions'),
            boolean('is_system', 'only system (or only user) job types')]


def ordering(fields) -> dict:
    return repeated('order', {'type': 'string', 'enum': [*fields, *(f'-{f}' for f in fields)]},
                    'a field to order by, - first to reverse it; repeat to order by several')


def closed_body(required: tuple = ()) -> dict:
    """What POST (which requires `required`) and PATCH take."""
    return closed({'docker_image': nullable(text(
                       MAX_IMAGE, description='null: the job runs on the node, not in an image')),
                   'manifest': MANIFEST,
                   'configuration': CONFIGURATION, **EDITABLE}, required)
