"""JSON Schemas (draft 4) of a Seed 1.0.0 manifest and of a Scale v6 job-type configuration."""

# Written here from the Seed 1.0.0 specification's rules: required members, name patterns,
# semantic versions, and no member the specification does not define, at any level. Each
# pattern carries a `description` saying in words what it allows, for the messages.

from coordinator.seed.versions import EXAMPLES, SEMVER_PATTERN

STRING = {'type': 'string'}
BOOLEAN = {'type': 'boolean'}
NUMBER = {'type': 'number'}
INTEGER = {'type': 'integer'}
STRINGS = {'type': 'array', 'items': STRING}
JSON_TYPES = {'type': 'string',
              'enum': ['array', 'boolean', 'integer', 'number', 'object', 'string']}
# Inputs and settings become environment variables, so their names keep to a safe alphabet.
NAME = {'type': 'string', 'pattern': '^[a-zA-Z0-9_-]+$', 'description': 'letters, digits, _ and -'}
VERSION = {'type': 'string', 'pattern': SEMVER_PATTERN,
           'description': f'a semantic version such as {EXAMPLES}'}


def closed_object(properties: dict, required: tuple[str, ...] = ()) -> dict:
    """An object of exactly these optional `properties`, the `required` ones among them."""
    schema = {'type': 'object', 'additionalProperties': False, 'properties': properties}
    if required:  # draft 4 wants at least one name in `required`, or no `required` at all
        schema['required'] = list(required)
    return schema


def array_of(items: dict) -> dict:
    return {'type': 'array', 'items': items}


MAINTAINER = closed_object({'name': STRING, 'organization': STRING, 'email': STRING,
                            'url': STRING, 'phone': STRING}, required=('name', 'email'))

RESOURCES = closed_object({'scalar': array_of(closed_object(
    {'name': NAME, 'value': NUMBER, 'inputMultiplier': NUMBER}, required=('name', 'value')))})

INPUTS = closed_object({
    'files': array_of(closed_object({'name': NAME, 'required': BOOLEAN, 'mediaTypes': STRINGS,
                                     'multiple': BOOLEAN, 'partial': BOOLEAN}, required=('name',))),
    'json': array_of(closed_object({'name': NAME, 'required': BOOLEAN, 'type': JSON_TYPES},
                                   required=('name', 'type'))),
})

OUTPUTS = closed_object({
    'files': array_of(closed_object({'name': NAME, 'mediaType': STRING, 'pattern': STRING,
                                     'multiple': BOOLEAN, 'required': BOOLEAN},
                                    required=('name', 'pattern'))),
    'json': array_of(closed_object({'name': NAME, 'key': STRING, 'type': JSON_TYPES,
                                    'required': BOOLEAN}, required=('name', 'type'))),
})

INTERFACE = closed_object({
    'command': STRING,
    'inputs': INPUTS,
    'outputs': OUTPUTS,
    'mounts': array_of(closed_object({'name': NAME, 'path': STRING,
                                      'mode': {'type': 'string', 'enum': ['ro', 'rw']}},
                                     required=('name', 'path'))),
    'settings': array_of(closed_object({'name': NAME, 'secret': BOOLEAN}, required=('name',))),
})

ERRORS = array_of(closed_object({'code': INTEGER, 'name': NAME, 'title': STRING,
                                 'description': STRING,
                                 'category': {'type': 'string', 'enum': ['job', 'data']}},
                                required=('code', 'name')))

JOB = closed_object({
    'name': {'type': 'string', 'pattern': '^[a-zA-Z0-9-]+$',
             'description': 'letters, digits and -'},
    'jobVersion': VERSION,
    'packageVersion': VERSION,
    'title': STRING,
    'description': STRING,
    'tags': STRINGS,
    'maintainer': MAINTAINER,
    'timeout': INTEGER,
    'resources': RESOURCES,
    'interface': INTERFACE,
    'errors': ERRORS,
}, required=('name', 'jobVersion', 'packageVersion', 'title', 'description', 'maintainer',
             'timeout'))

MANIFEST_SCHEMA = {
    '$schema': 'http://json-schema.org/draft-04/schema#',
    **closed_object({'seedVersion': {'type': 'string', 'pattern': r'^1\.0\.0$',
                                     'description': '1.0.0, the Seed version this product reads'},
                     'job': JOB}, required=('seedVersion', 'job')),
}

# Scale v6's job-type configuration. Nothing is required: what is left out is empty (and the
# priority is the type's default). Setting values and host mounts' needs are checked in
# coordinator.seed.configuration, where the messages can say more.
MOUNT = closed_object({'type': {'type': 'string', 'enum': ['host', 'volume']},
                       'host_path': STRING, 'driver': STRING,
                       'driver_opts': {'type': 'object', 'additionalProperties': STRING}},
                      required=('type',))

CONFIGURATION_SCHEMA = {
    '$schema': 'http://json-schema.org/draft-04/schema#',
    **closed_object({
        'version': STRING,
        'mounts': {'type': 'object', 'additionalProperties': MOUNT},
        'output_workspaces': closed_object({
            'default': STRING, 'outputs': {'type': 'object', 'additionalProperties': STRING}}),
        'priority': INTEGER,
        'settings': {'type': 'object'},
    }),
}
