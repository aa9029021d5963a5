"""Cost of one refresh of farm-tui's Runs screen over a big farm: one request, and the UI's share.

`.venv/bin/python tests/benchmarks/bench_tui.py` starts `farm-coordinator serve` over a fresh
SQLite database, fills it through the farmworker protocol with --runs runs of
--tasks-per-run tasks (every task claimed, so its row exists; 3 runs in 4 are left half done and
so stay active), then measures what one refresh of the Runs screen costs:

  request     the Runs screen's one feed (GET /farm/v1/runs?state=active&limit=PAGE) from this
              process over keep-alive, median and p95 of --repeats calls
  requests    how many requests the coordinator saw during one refresh (counted in the client)
  ui first    the UI thread's work when the first reply arrives (state + table of PAGE rows built)
  ui update   the UI thread's work for a later reply in which every row's counters changed
              (rows updated in place), median of --repeats

The UI figures are measured inside `App.run_test()` at 200x50, timing the message handler that
applies a reply (`FarmApp.on_delivered`), which is all the event loop does per refresh besides
painting the visible rows. Target: < 100 ms. The figures come last (figures.py; `--json PATH`
also writes them).
"""

import argparse
import asyncio
import copy
import http.client
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_taskfarm import BIN, clean_env, init_coordinator, start_coordinator  # noqa: E402
from figures import Figure, add_json_option, report  # noqa: E402

from farmworker.client import NEVER  # noqa: E402
from farmworker.farm_api import FarmApi  # noqa: E402
from tui.app import Delivered, FarmApp  # noqa: E402
from tui.poller import Reply  # noqa: E402
from tui.screens import runs as runs_screen  # noqa: E402


class Counting:
    """The dashboard's FarmApi, counting its requests (each of its methods makes one)."""

    requests = 0

    def __init__(self, url: str, token: str):
        self._api = FarmApi(url, token, retry=NEVER)
        self.url = self._api.url

    def __getattr__(self, name):
        method = getattr(self._api, name)

        def counted(*args, **kwargs):
            type(self).requests += 1
            return method(*args, **kwargs)
        return counted


def call(conn, token, method, path, body=None):
    conn.request(method, path, body=None if body is None else json.dumps(body),
                 headers={'Authorization': f'Bearer {token}', 'Content-Type': 'application/json'})
    response = conn.getresponse()
    data = response.read()
    if response.status >= 400:
        raise RuntimeError(f'{method} {path}: HTTP {response.status} {data[:200]!r}')
    return json.loads(data) if data else None


def fill(url: str, token: str, runs: int, per_run: int, threads: int = 4) -> None:
    host, port = url.removeprefix('http://').split(':')

    def one(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=60)
        worker = f'bench-tui-{index}'
        call(conn, token, 'POST', '/farm/v1/workers',
             {'uuid': worker, 'hostname': f'node{index:03d}', 'pid': 1000 + index, 'slots': 8})
        for number in range(index, runs, threads):
            run = call(conn, token, 'POST', '/farm/v1/runs',
                       {'num_tasks': per_run, 'name': f'bench-{number:04d}',
                        'max_tries': 1})['uuid']
            claimed = call(conn, token, 'POST', f'/farm/v1/runs/{run}/claim',
                           {'worker_uuid': worker, 'max_tasks': per_run})['tasks']
            finish = claimed if number % 4 == 0 else claimed[:per_run // 2]
            results = [{'number': t['number'], 'attempt': t['attempt'],
                        'outcome': 'failed' if t['number'] % 17 == 0 else 'complete',
                        'exit_code': 1 if t['number'] % 17 == 0 else 0} for t in finish]
            call(conn, token, 'POST', f'/farm/v1/runs/{run}/results',
                 {'worker_uuid': worker, 'results': results})
        conn.close()

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(threads)))


def bumped(reply: dict) -> dict:
    """The same reply a moment later: every run's counters moved, as on a busy farm."""
    later = copy.deepcopy(reply)
    for run in later['runs']:
        run['done'] += 1
        run['running'] -= 1 if run['running'] else 0
        run['percent_done'] = round(100 * (run['done'] + run['failed']) / run['num_tasks'], 1)
        run['rate_per_s'] += 0.01
    return later


async def ui_costs(client: Counting, reply: dict, repeats: int) -> tuple[float, list[float]]:
    app = FarmApp(client, interval_s=3600)  # the poller fetches once; we deliver by hand
    async with app.run_test(size=(200, 50)) as pilot:
        await pilot.press('2')
        await pilot.pause(0.5)
        key = app.screen.key
        started = time.perf_counter()
        app.on_delivered(Delivered(Reply(key, data=reply)))
        first = time.perf_counter() - started
        await pilot.pause()
        updates = []
        for _ in range(repeats):
            reply = bumped(reply)
            started = time.perf_counter()
            app.on_delivered(Delivered(Reply(key, data=reply)))
            updates.append(time.perf_counter() - started)
            await pilot.pause()
        rows = app.screen.query_one('LiveTable').row_count
        assert rows == len(reply['runs']), (rows, len(reply['runs']))
    return first, updates


def ms(seconds: float) -> str:
    return f'{seconds * 1000:.1f} ms'


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--runs', type=int, default=1000)
    parser.add_argument('--tasks-per-run', type=int, default=100)
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--serve-args', default='--workers 2')
    add_json_option(parser)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix='bench-tui-') as tmp:
        data_dir = Path(tmp)
        init_coordinator(data_dir)
        token = subprocess.run([str(BIN / 'farm-coordinator'), '--data-dir', str(data_dir),
                                'token', 'create', 'bench'], capture_output=True, text=True,
                               timeout=60, env=clean_env(), check=True).stdout.strip()
        server = start_coordinator(data_dir, args.serve_args.split())
        try:
            server.wait_ready()
            started = time.perf_counter()
            fill(server.url, token, args.runs, args.tasks_per_run)
            print(f'filled {args.runs:,} runs x {args.tasks_per_run} tasks '
                  f'({args.runs * args.tasks_per_run:,} task rows) in '
                  f'{time.perf_counter() - started:.1f} s')

            client = Counting(server.url, token)
            feed = runs_screen.RunsScreen().feeds()[0]
            times, reply = [], None
            for _ in range(args.repeats):
                started = time.perf_counter()
                reply = feed.fetch(client)
                times.append(time.perf_counter() - started)
            Counting.requests = 0
            feed.fetch(client)
            per_refresh = Counting.requests
            first, updates = asyncio.run(ui_costs(client, reply, args.repeats))
        finally:
            server.stop()

    times.sort()
    print(f'Runs screen: {len(reply["runs"])} of {reply["total"]} active runs per page '
          f'(PAGE={runs_screen.PAGE})')
    print(f'  requests per refresh: {per_refresh}')
    print(f'  request:   median {ms(statistics.median(times))}, '
          f'p95 {ms(times[int(0.95 * (len(times) - 1))])}')
    print(f'  ui first:  {ms(first)} (table built)')
    print(f'  ui update: median {ms(statistics.median(updates))}, max {ms(max(updates))} '
          f'(every row changed, updated in place)')
    worst = max(max(updates), first)
    print(f'  target < 100 ms per refresh on the UI thread: {"met" if worst < 0.1 else "MISSED"}')
    rows = f'{args.runs:,} runs x {args.tasks_per_run} tasks'
    report('tui', [
        Figure('Runs screen refresh, UI thread (worst)', 1000 * worst, 'ms', '<', 100, rows),
        Figure('Runs screen request, median', 1000 * statistics.median(times), 'ms'),
        Figure('requests per refresh', per_refresh),
    ], args.json)
    return 0


if __name__ == '__main__':
    sys.exit(main())
