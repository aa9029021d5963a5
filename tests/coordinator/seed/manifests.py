"""Seed manifests for the tests: the least Seed 1.0.0 allows, one using every member, and edits."""

import copy
import json
import pathlib

REPOSITORY = pathlib.Path(__file__).resolve().parents[3]
OFFICIAL_SCHEMA = REPOSITORY / '../shared/spec/seed.manifest.schema.json'
SCALE_DOCUMENT = REPOSITORY / '../shared/spec/scale-v6-job-types-api.txt'
POST_EXAMPLE = pathlib.Path(__file__).with_name('scale_v6_post_example.json')

MINIMAL = {
    'seedVersion': '1.0.0',
    'job': {'name': 'my-job', 'jobVersion': '1.0.0', 'packageVersion': '1.0.0',
            'title': 'My job', 'description': 'Does one thing well',
            'maintainer': {'name': 'Jo Bloggs', 'email': 'jo@example.com'}, 'timeout': 3600},
}

COMPLETE = {
    'seedVersion': '1.0.0',
    'job': {
        'name': 'image-watermark', 'jobVersion': '0.1.0', 'packageVersion': '0.1.0',
        'title': 'Image Watermarker', 'description': 'Stamps a watermark on an image',
        'tags': ['jpeg', 'png'],
        'maintainer': {'name': 'John Doe', 'organization': 'E-corp', 'email': 'jdoe@example.com',
                       'url': 'http://www.example.com', 'phone': '666-555-4321'},
        'timeout': 3600,
        'resources': {'scalar': [{'name': 'cpus', 'value': 1.5}, {'name': 'mem', 'value': 244},
                                 {'name': 'sharedMem', 'value': 1},
                                 {'name': 'disk', 'value': 11, 'inputMultiplier': 4.0},
                                 {'name': 'gpus', 'value': 1}]},
        'interface': {
            'command': '${INPUT_IMAGE} ${OUTPUT_DIR}',
            'inputs': {
                'files': [{'name': 'INPUT_IMAGE', 'required': True, 'mediaTypes': ['image/png'],
                           'multiple': False, 'partial': False}],
                'json': [{'name': 'OPACITY', 'type': 'number', 'required': False}],
            },
            'outputs': {
                'files': [{'name': 'OUTPUT_IMAGE', 'mediaType': 'image/png',
                           'pattern': 'watermarked.png', 'multiple': False, 'required': True}],
                'json': [{'name': 'pixel_count', 'key': 'pixels', 'type': 'integer',
                          'required': True}],
            },
            'mounts': [{'name': 'FONTS', 'path': '/usr/share/fonts', 'mode': 'ro'},
                       {'name': 'SCRATCH', 'path': '/scratch', 'mode': 'rw'}],
            'settings': [{'name': 'DB_HOST', 'secret': False}, {'name': 'DB_PASS', 'secret': True}],
        },
        'errors': [{'code': 1, 'name': 'image-corrupt', 'title': 'Image Corrupt',
                    'description': 'The image could not be read', 'category': 'data'},
                   {'code': 2, 'name': 'out-of-memory', 'title': 'Out of memory',
                    'description': 'It ran out of memory', 'category': 'job'}],
    },
}

# A configuration of COMPLETE that leaves nothing to warn about.
COMPLETE_CONFIGURATION = {
    'mounts': {'FONTS': {'type': 'host', 'host_path': '/opt/fonts'},
               'SCRATCH': {'type': 'volume', 'driver': 'local', 'driver_opts': {'size': '1G'}}},
    'settings': {'DB_HOST': 'db.example.com', 'DB_PASS': 'secret'},
    'priority': 100,
}

DELETE = object()


def edited(manifest: dict, path: tuple, value) -> dict:
    """A copy of `manifest` with the member at `path` (keys and indices) set to `value`, or
    removed when `value` is DELETE."""
    copied = copy.deepcopy(manifest)
    *parents, last = path
    target = copied
    for part in parents:
        target = target[part]
    if value is DELETE:
        del target[last]
    else:
        target[last] = value
    return copied


def post_example() -> dict:
    """The body of the Scale v6 document's example POST /v6/job-types/, as it is written there."""
    return json.loads(POST_EXAMPLE.read_text())
