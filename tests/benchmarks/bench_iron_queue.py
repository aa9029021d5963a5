"""How fast IronWorker clients queue tasks: POST /2/projects/{id}/tasks with 100 tasks each.

`.venv/bin/python tests/benchmarks/bench_iron_queue.py` starts a fresh `farm-coordinator serve`
on SQLite (per repeat), uploads a code package, and has `--clients` processes each send
`--requests` queue requests of `--batch` tasks over a keep-alive connection, as fast as the
coordinator answers. It prints the tasks queued per second of each repeat, their median and
the target (>= 20,000 tasks/s on SQLite), after checking that every task is in the database,
queued, once; then the figure (figures.py; `--json PATH` also writes it). A repeat that fails
that check is left out of the median, and the exit status is 1.
"""

import argparse
import io
import json
import multiprocessing
import re
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import zipfile
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))  # also when not run as a script
from bench_taskfarm import (  # the server plumbing of the other benchmark
    BIN,
    clean_env,
    init_coordinator,
    start_all,
    start_coordinator,
)
from figures import Figure, add_json_option, report  # noqa: E402

TARGET_TASKS_S = 20_000


def setup(data_dir: Path, serve_args: list[str]):
    """A coordinator with one code package: (server, base URL of the project, token)."""
    init_coordinator(data_dir)
    farm = [str(BIN / 'farm-coordinator'), '--data-dir', str(data_dir)]
    token = subprocess.run([*farm, 'token', 'create', 'bench'], capture_output=True, text=True,
                           env=clean_env(), check=True).stdout.split()[0]
    listed = subprocess.run([*farm, 'project', 'list'], capture_output=True, text=True,
                            env=clean_env(), check=True).stdout
    project = re.search(r'\b[0-9a-f]{24}\b', listed)[0]
    server = start_coordinator(data_dir, serve_args)
    server.wait_ready()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr('noop.sh', 'true\n')
    base = f'{server.url}/2/projects/{project}'
    reply = requests.post(base + '/codes', headers={'Authorization': f'OAuth {token}'}, files={
        'data': (None, json.dumps({'name': 'noop', 'runtime': 'sh', 'file_name': 'noop.sh'})),
        'file': ('noop.zip', buffer.getvalue(), 'application/zip')}, timeout=30)
    reply.raise_for_status()
    return server, base, token


def client(base: str, token: str, requests_count: int, batch: int, ready, go, results) -> None:
    """Send `requests_count` queue requests of `batch` tasks on one keep-alive connection."""
    import http.client
    try:
        parts = urllib.parse.urlsplit(base)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        body = json.dumps({'tasks': [{'code_name': 'noop', 'payload': json.dumps({'n': n}),
                                      'priority': 0, 'timeout': 60} for n in range(batch)]})
        headers = {'Authorization': f'OAuth {token}', 'Content-Type': 'application/json'}
        ready.put(None)
    except Exception as exc:  # noqa: BLE001 (told to the parent, which stops)
        ready.put(repr(exc))
        return
    go.wait()
    queued, failures = 0, 0
    for _ in range(requests_count):
        conn.request('POST', parts.path + '/tasks', body=body, headers=headers)
        reply = conn.getresponse()
        answer = reply.read()
        if reply.status == 200:
            queued += len(json.loads(answer)['tasks'])
        else:
            failures += 1
    results.put((queued, failures))


def run_once(args) -> dict:
    with tempfile.TemporaryDirectory(prefix='bench-iron-') as tmp:
        data_dir = Path(tmp)
        server, base, token = setup(data_dir, args.serve_args.split())
        try:
            ready, results = multiprocessing.Queue(), multiprocessing.Queue()
            go = multiprocessing.Event()
            procs = [multiprocessing.Process(target=client, args=(
                base, token, args.requests, args.batch, ready, go, results))
                for _ in range(args.clients)]
            start_all(procs, ready, 'client')
            started = time.perf_counter()
            go.set()
            done = [results.get(timeout=600) for _ in procs]
            wall = time.perf_counter() - started
            for proc in procs:
                proc.join()
        finally:
            server.stop()
        queued = sum(count for count, _ in done)
        failures = sum(failed for _, failed in done)
        with sqlite3.connect(data_dir / 'farm.db') as con:
            (rows,) = con.execute("SELECT COUNT(*) FROM task WHERE status = 'queued'").fetchone()
    expected = args.clients * args.requests * args.batch
    problems = [f'{failures} requests failed'] if failures else []
    if not queued == rows == expected:
        problems.append(f'{expected} sent, {queued} answered, {rows} queued rows')
    return {'tasks_s': queued / wall, 'wall_s': wall, 'problems': problems}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--clients', type=int, default=4)
    parser.add_argument('--requests', type=int, default=100, help='per client')
    parser.add_argument('--batch', type=int, default=100, help='tasks per request')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--serve-args', default='--workers 2')
    add_json_option(parser)
    args = parser.parse_args()
    rates, bad = [], 0
    for repeat in range(args.repeats):
        result = run_once(args)
        print(f'repeat {repeat + 1}: {result["tasks_s"]:,.0f} tasks/s in {result["wall_s"]:.2f} s'
              + (f' PROBLEMS: {"; ".join(result["problems"])}' if result['problems'] else ''))
        if result['problems']:
            bad += 1  # left out of the median, and the exit status says so
        else:
            rates.append(result['tasks_s'])
    median = statistics.median(rates) if rates else None
    if median is not None:
        verdict = 'met' if median >= TARGET_TASKS_S else 'MISSED'
        print(f'median {median:,.0f} tasks/s queued on SQLite; target >= {TARGET_TASKS_S:,}: '
              f'{verdict}')
    report('iron_queue', [Figure('IronWorker tasks queued/s, SQLite', median, 'tasks/s', '>=',
                                 TARGET_TASKS_S, f'{args.clients} clients x {args.batch} per POST, '
                                 f'{len(rates)}/{args.repeats} repeats checked out')], args.json)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
