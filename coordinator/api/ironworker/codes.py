"""Code packages (/2/projects/{project_id}/codes): list, upload, read, delete, download,
revisions, task counts, and pausing their task queue."""

import datetime
import json
import re

from coordinator import code_zips
from coordinator.api import bodies
from coordinator.api.ironworker import edge, uploads, views
from coordinator.errors import InvalidInput, NotFound
from coordinator.models import JobType
from coordinator.states import TaskState
from coordinator.store import code_packages, iron_tasks
from coordinator.store.access import require_manager
from coordinator.store.code_packages import Code

RUNTIMES = ('sh', 'python', 'ruby', 'php', 'binary')
MAX_RETRIES = 10
MAX_PRIORITY = 2
MAX_TIMEOUT_S = iron_tasks.MAX_TIMEOUT_S
MAX_DELAY_S = 7 * 24 * 3600
MAX_CONFIG_BYTES = 64 * 1024  # config, and env_vars as JSON
MAX_ENV_VARS = 1000
ENV_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]{0,254}')
MAX_NAME = JobType.name.max_length
MAX_TEXT = 4096  # a file name, an image, a command
MAX_CONCURRENCY = 2**31 - 1
MAX_REVISION = 2**31 - 1
MAX_EPOCH_S = 2**33  # the year 2242


class Codes:
    """GET the project's code packages, a page at a time; POST to upload or update one."""

    def __init__(self, config):
        self._config = config

    def on_get(self, req, resp, project_id):
        principal = edge.caller(req, project_id)
        offset, limit = edge.page(req)
        resp.media = {'codes': [views.code(view, project_id) for view in
                                code_packages.list_codes(principal, offset, limit)]}

    def on_post(self, req, resp, project_id):
        principal = edge.caller(req, project_id)
        require_manager(principal)  # before the body is read: a worker token sends none
        upload = uploads.read(req, self._config.max_body_bytes, self._config.max_code_bytes)
        data = upload.data
        name = bodies.text(bodies.required(data, 'name'), 'name', MAX_NAME)
        settings = _settings(data)  # checked before the zip is kept: a refusal keeps nothing
        code = _code(data, upload.zip, self._config)
        view, _ = code_packages.upload(principal, name, code, settings)
        resp.media = {**views.code(view, project_id), 'msg': 'Upload successful.'}


def _unset(data: dict, key: str) -> bool:
    """Whether `key` was left out, or sent as null or "" (which clients send for unset)."""
    return data.get(key) in (None, '')


def _code(data: dict, zipped: bytes | None, config) -> Code:
    runtime, file_name = (None if _unset(data, key) else data[key]
                          for key in ('runtime', 'file_name'))
    if runtime is not None and runtime not in RUNTIMES:
        raise InvalidInput(f'runtime must be one of {", ".join(RUNTIMES)}, not {runtime!r}')
    if file_name is not None:
        file_name = bodies.text(file_name, 'file_name', MAX_TEXT)
    image, command = (None if _unset(data, key) else bodies.text(data[key], key, MAX_TEXT)
                      for key in ('image', 'command'))
    kept = None
    if zipped is not None:
        if runtime is None or file_name is None:
            raise InvalidInput('a zip needs runtime (one of ' + ', '.join(RUNTIMES) +
                               ') and file_name, the file in the zip that tasks run')
        code_zips.check(zipped, config.max_code_bytes, runs=file_name)
        kept = code_zips.keep(zipped, config.data_dir)
    return Code(runtime=runtime, file_name=file_name, config=_config_text(data),
                env_vars=_env_vars_text(data), docker_image=image, command=command,
                blob=kept and kept.sha256, checksum=kept and kept.md5,
                size_bytes=kept and kept.size_bytes)


def _config_text(data: dict) -> str | None:
    """The config string each task gets as a file; an object is sent on as its JSON."""
    if _unset(data, 'config'):
        return None
    value = data['config']
    text = value if isinstance(value, str) else json.dumps(value)
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise InvalidInput(f'config may hold {MAX_CONFIG_BYTES} bytes at most')
    return bodies.text(text, 'config', MAX_CONFIG_BYTES)


def _env_vars_text(data: dict) -> str | None:
    """`env_vars`, an object of names to strings given to each task's environment, as the
    store keeps it (JSON, keys sorted); {} clears them."""
    if _unset(data, 'env_vars'):
        return None
    env_vars = data['env_vars']
    if not isinstance(env_vars, dict) or len(env_vars) > MAX_ENV_VARS:
        raise InvalidInput(f'env_vars must be an object of at most {MAX_ENV_VARS} names '
                           'to strings')
    for name, value in env_vars.items():
        if not ENV_NAME.fullmatch(name):
            raise InvalidInput(f'env_vars: {name[:100]!r} is not a variable name (letters, '
                               'digits and _, not starting with a digit)')
        bodies.text(value, f'env_vars.{name}', MAX_CONFIG_BYTES, empty_ok=True)
    text = json.dumps(env_vars, sort_keys=True)
    if len(text.encode()) > MAX_CONFIG_BYTES:
        raise InvalidInput(f'env_vars may hold {MAX_CONFIG_BYTES} bytes at most')
    return text


def _settings(data: dict) -> dict:
    """The options sent, by IronWorker's names; those left out (or null, "") stay as they are."""
    settings = {}
    if not _unset(data, 'max_concurrency'):
        cap = bodies.integer(data['max_concurrency'], 'max_concurrency', minimum=-1,
                             maximum=MAX_CONCURRENCY)
        settings['max_concurrency'] = cap if cap > 0 else None  # 0 or -1: no cap
    if not _unset(data, 'retries'):
        settings['retries'] = bodies.integer(data['retries'], 'retries', minimum=0,
                                             maximum=MAX_RETRIES)
    if not _unset(data, 'retries_delay'):
        settings['retries_delay'] = bodies.number(data['retries_delay'], 'retries_delay', 0,
                                                  MAX_DELAY_S)
    if not _unset(data, 'default_priority'):
        settings['default_priority'] = bodies.integer(data['default_priority'],
                                                      'default_priority', minimum=0,
                                                      maximum=MAX_PRIORITY)
    if not _unset(data, 'timeout'):
        timeout = bodies.number(data['timeout'], 'timeout', 0, MAX_TIMEOUT_S)
        settings['timeout'] = timeout or None  # 0: the maximum
    return settings


class CodePackage:
    """GET one code package; DELETE it."""

    def on_get(self, req, resp, project_id, code_id):
        principal = edge.caller(req, project_id)
        resp.media = views.code(code_packages.code_view(principal, edge.code_id(code_id)),
                                project_id)

    def on_delete(self, req, resp, project_id, code_id):
        code_packages.delete(edge.caller(req, project_id), edge.code_id(code_id))
        resp.media = {'msg': 'Deleted'}


class Download:
    """GET the zip of a revision (?revision=, the latest unless told), byte for byte."""

    def __init__(self, config):
        self._config = config

    def on_get(self, req, resp, project_id, code_id):
        principal = edge.caller(req, project_id)
        number = edge.code_id(code_id)
        rev = (bodies.query_integer(req, 'revision', 0, minimum=1, maximum=MAX_REVISION)
               if req.get_param('revision') is not None else None)
        found = code_packages.revision(principal, number, rev)
        if found.blob is None:
            raise NotFound(f'revision {found.rev} of code package {code_id} has no zip '
                           '(it runs an image)')
        name = code_packages.code_view(principal, number).name
        path = code_zips.path_of(self._config.data_dir, found.blob)
        resp.content_type = 'application/zip'
        resp.set_header('Content-Disposition', f'filename={_safe(name)}_{found.rev}.zip')
        resp.set_stream(path.open('rb'), found.size_bytes)


def _safe(name: str) -> str:
    """A code name fit for a header's file name: no quotes, separators or controls."""
    return ''.join(c if c.isprintable() and c not in '"\\/;' else '_' for c in name)


class Revisions:
    """GET a code package's revisions, the first first, a page at a time."""

    def on_get(self, req, resp, project_id, code_id):
        principal = edge.caller(req, project_id)
        number = edge.code_id(code_id)
        offset, limit = edge.page(req)
        name = code_packages.code_view(principal, number).name
        resp.media = {'revisions': [views.revision(view, number, name, project_id) for view in
                                    code_packages.revisions(principal, number, offset, limit)]}


class Stats:
    """GET how many of a code package's tasks are in each state: queued and running now,
    finished between ?start_date= and ?end_date= (epoch seconds; the last 24 hours)."""

    def on_get(self, req, resp, project_id, code_id):
        principal = edge.caller(req, project_id)
        now = datetime.datetime.now(datetime.UTC).timestamp()
        end = bodies.query_number(req, 'end_date', now, minimum=0, maximum=MAX_EPOCH_S)
        start = bodies.query_number(req, 'start_date', end - 24 * 3600, minimum=0,
                                    maximum=MAX_EPOCH_S)
        counts = code_packages.stats(principal, edge.code_id(code_id), start, end)
        resp.media = {'preparing': 0, **{state.value: counts.get(state, 0)
                                          for state in TaskState}}


class QueuePause:
    """POST to pause (`paused` True) or resume a code package's task queue."""

    def __init__(self, paused: bool):
        self._paused = paused

    def on_post(self, req, resp, project_id, code_id):
        code_packages.set_paused(edge.caller(req, project_id), edge.code_id(code_id),
                                 self._paused)
        resp.media = {'msg': 'Paused' if self._paused else 'Resumed'}
