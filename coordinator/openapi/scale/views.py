"""OpenAPI schemas of how /v6/ shows job types, and the parameters and answers routes share."""

from coordinator.api.scale.job_types import MAX_ICON_CODE, MAX_IMAGE, MAX_SCHEDULED, MAX_TRIES
from coordinator.api.scale.params import MAX_ID
from coordinator.openapi.helpers import (BOOL, INSTANT, INT, STR, WHEN, array, closed, error,
                                         integer, nullable, obj, query_param, record, ref,
                                         response, text)
from coordinator.seed.params import MAX_PAGE
from coordinator.seed.schema import CONFIGURATION_SCHEMA, MANIFEST_SCHEMA

BAD_QUERY = error('a query parameter is malformed: a page that is not a whole number from 1, '
                  'a boolean that is not one, an id that is not a number, an unknown order')
NOT_FOUND = error('no job type of that name and version in your project, or a page past the '
                  'last ({"detail": "Invalid page."})')
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

SCHEMAS = {
    'ScaleError': record({'detail': STR}),
    'SeedManifest': {key: value for key, value in MANIFEST_SCHEMA.items() if key != '$schema'},
    'ScaleConfiguration': {key: value for key, value in CONFIGURATION_SCHEMA.items()
                           if key != '$schema'},
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


def page(schema: str) -> dict:
    """A page of a list of `schema`, with absolute links to the pages beside it."""
    return response('one page', record({'count': INT, 'next': nullable(STR),
                                        'previous': nullable(STR),
                                        'results': array(ref(schema))}))


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
    return closed({'docker_image': text(MAX_IMAGE), 'manifest': MANIFEST,
                   'configuration': nullable(ref('ScaleConfiguration')), **EDITABLE}, required)
