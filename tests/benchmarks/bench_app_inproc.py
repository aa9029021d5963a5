"""The coordinator's own cost per stock task without HTTP: the Falcon app called as WSGI.

Provides `.venv/bin/python tests/benchmarks/bench_app_inproc.py [--tasks N] [--profile]`.
One thread, a fresh SQLite database in a temp dir, the stock taskfarm-worker pattern per
task (claim, GET percentCompleted, PUT 50 %, PUT done) with a token as the Basic user
name. It prints the process CPU per task (medians of --repeats passes) next to four
`GET /` requests, which are the floor here as in bench_taskfarm.py. Subtracting this figure
from bench_taskfarm's server CPU per task shows what gunicorn, the sockets and four
processes sharing two cores add. With --profile it prints cProfile's top functions. The
figures come last, without targets (figures.py; `--json PATH` also writes them).
"""

import argparse
import base64
import cProfile
import io
import json
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when not run as a script
from figures import Figure, add_json_option, report  # noqa: E402

from coordinator import schema  # noqa: E402
from coordinator.app import create_app  # noqa: E402
from coordinator.config import Config  # noqa: E402
from coordinator.store import users  # noqa: E402


class WsgiCaller:
    """Calls a WSGI app with a minimal environ, as an HTTP server would after parsing."""

    def __init__(self, app, authorization: str):
        self._app = app
        self._authorization = authorization

    def __call__(self, method: str, path: str, body=None, query: str = '') -> tuple[str, bytes]:
        data = b'' if body is None else json.dumps(body).encode()
        environ = {
            'REQUEST_METHOD': method, 'PATH_INFO': path, 'QUERY_STRING': query,
            'SERVER_NAME': 'localhost', 'SERVER_PORT': '80', 'SERVER_PROTOCOL': 'HTTP/1.1',
            'wsgi.url_scheme': 'http', 'wsgi.input': io.BytesIO(data), 'wsgi.errors': sys.stderr,
            'CONTENT_LENGTH': str(len(data)), 'CONTENT_TYPE': 'application/json',
            'HTTP_AUTHORIZATION': self._authorization,
        }
        statuses = []
        output = b''.join(self._app(environ, lambda status, headers, exc_info=None:
                                    statuses.append(status)))
        return statuses[0], output


def stock_task(call, run_path: str, worker_uuid: str) -> None:
    status, output = call('POST', run_path + '/task', {'worker_uuid': worker_uuid})
    if not status.startswith('201'):
        raise RuntimeError(f'claim answered {status}: {output[:200]!r}')
    task_path = f'{run_path}/tasks/{json.loads(output)["task"]}'
    call('GET', task_path, query='info=percentCompleted')
    call('PUT', task_path, {'percentCompleted': 50.0})
    call('PUT', task_path, {'status': 'done'})


def four_hellos(call) -> None:
    for _ in range(4):
        call('GET', '/')


def ms_per_call(function, count: int) -> float:
    started = time.process_time()
    for _ in range(count):
        function()
    return 1000 * (time.process_time() - started) / count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tasks', type=int, default=3000, help='tasks per pass (default 3000)')
    parser.add_argument('--repeats', type=int, default=3, help='passes (default 3)')
    parser.add_argument('--profile', action='store_true', help='print cProfile of one more pass')
    add_json_option(parser)
    args = parser.parse_args()

    config = Config.from_env({}, data_dir=tempfile.mkdtemp(prefix='farm-inproc-'))
    app = create_app(config)
    schema.upgrade()
    users.add_user('bench')
    token = users.create_token('bench')
    call = WsgiCaller(app, 'Basic ' + base64.b64encode(f'{token}:'.encode()).decode())
    passes = args.repeats + 2  # one warm-up pass, one for --profile
    status, output = call('POST', '/api/run', {'numTasks': args.tasks * passes})
    run_path = f'/api/runs/{json.loads(output)["uuid"]}'
    worker_uuid = str(uuid.uuid4())
    call('POST', '/api/worker', {'uuid': worker_uuid, 'hostname': 'bench', 'pid': 1})

    def task():
        stock_task(call, run_path, worker_uuid)

    ms_per_call(task, args.tasks)  # warm-up: caches, the token cache, SQLite pages
    task_ms = [ms_per_call(task, args.tasks) for _ in range(args.repeats)]
    floor_ms = [ms_per_call(lambda: four_hellos(call), args.tasks) for _ in range(args.repeats)]
    print(f'stock task, app only: {statistics.median(task_ms):.3f} ms CPU '
          f'(passes: {", ".join(f"{ms:.3f}" for ms in task_ms)})')
    print(f'4 x GET /, app only:  {statistics.median(floor_ms):.3f} ms CPU')
    if args.profile:
        profiler = cProfile.Profile()
        profiler.runcall(lambda: [task() for _ in range(args.tasks)])
        pstats.Stats(profiler).sort_stats('tottime').print_stats(30)
    # no target: the figure to subtract from bench_taskfarm's server CPU per task
    report('app_inproc', [
        Figure('app CPU per stock task, no HTTP', statistics.median(task_ms), 'ms',
               note=f'{args.tasks:,} tasks x {args.repeats} passes'),
        Figure('app CPU of 4 x GET /, no HTTP', statistics.median(floor_ms), 'ms'),
    ], args.json)
    return 0


if __name__ == '__main__':
    sys.exit(main())
