"""What a crowd of simulated agents (tests/sim_agents.py) measured, and whether it checks out:
latency by request type, and exactly-once against the store's rows and workers."""

import collections
import dataclasses

from coordinator.states import TaskState, WorkerState


def percentile(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else None


@dataclasses.dataclass
class Outcome:
    """The client processes' reports merged: per request type figures and the ledger's totals."""

    requests: dict[str, dict]  # kind -> count, p50_ms, p99_ms, max_ms, errors
    claims: list[tuple[str, int, int]]
    completed: list[tuple[str, int]]
    agents: int
    left: int
    rejoins: int
    taken_back: int
    problems: list[str]
    examples: list[str]
    client_cpu_s: float
    loop_lag_p99_ms: float | None

    @property
    def errors(self) -> int:
        """Answers that were not 2xx, and requests that got no answer."""
        return sum(kind['errors'] for kind in self.requests.values())

    @property
    def server_errors(self) -> int:
        return sum(kind['5xx'] for kind in self.requests.values())

    @property
    def worst_p99_ms(self) -> float:
        return max((kind['p99_ms'] for kind in self.requests.values()), default=0.0)

    @property
    def duplicate_claims(self) -> int:
        """Claims of a task some claim had handed out already (at any attempt)."""
        return len(self.claims) - len({(run, key) for run, key, _ in self.claims})

    @property
    def total_requests(self) -> int:
        return sum(kind['count'] for kind in self.requests.values())


def merge(reports: list[dict]) -> Outcome:
    """One Outcome from every client process's report."""
    latency, statuses = collections.defaultdict(list), collections.defaultdict(collections.Counter)
    failures, problems, examples = collections.Counter(), [], []
    claims, completed, lag = [], [], []
    totals = collections.Counter()
    for report in reports:
        if 'crashed' in report:
            problems.append(f"client process crashed: {report['crashed']}")
            continue
        for kind, values in report['latency_ms'].items():
            latency[kind] += values
        for kind, counts in report['statuses'].items():
            statuses[kind].update({int(status): n for status, n in counts.items()})
        failures.update(report['failures'])
        problems += report['problems']
        examples += report['examples']
        claims += [tuple(claim) for claim in report['claims']]
        completed += [tuple(task) for task in report['completed']]
        lag += report['loop_lag_ms']
        totals.update({key: report[key] for key in ('agents', 'left', 'rejoins', 'taken_back')})
        totals['cpu_s'] += report['cpu_s']
    requests = {}
    for kind in sorted(set(latency) | set(failures)):
        answered = statuses[kind]
        requests[kind] = {
            'count': len(latency[kind]), 'p50_ms': percentile(latency[kind], 0.50) or 0.0,
            'p99_ms': percentile(latency[kind], 0.99) or 0.0, 'max_ms': max(latency[kind] or [0]),
            'errors': failures[kind] + sum(n for s, n in answered.items() if not 200 <= s < 300),
            '5xx': sum(n for s, n in answered.items() if s >= 500)}
    return Outcome(requests, claims, completed, totals['agents'], totals['left'],
                   totals['rejoins'], totals['taken_back'], problems, examples[:20],
                   totals['cpu_s'], percentile(lag, 0.99))


@dataclasses.dataclass
class Rows:
    """The store afterwards: workers by state, tasks by status, and each handed-out task."""

    workers: dict[str, int]
    tasks: dict[str, int]
    retried: int  # tasks at an attempt above 1: claimed more than once
    handed_out: list[tuple[str, int, str]]  # (run uuid or '', number or id, status)


def read_rows(database) -> Rows:
    """The rows of a peewee database the simulated agents worked on (nothing writes any more)."""
    def rows(sql: str) -> list[tuple]:
        return database.execute_sql(sql).fetchall()

    workers = dict(rows('SELECT state, COUNT(*) FROM worker GROUP BY state'))
    tasks = dict(rows('SELECT status, COUNT(*) FROM task GROUP BY status'))
    (retried,) = rows('SELECT COUNT(*) FROM task WHERE attempt > 1')[0]
    handed_out = [(run or '', number if run else task_id, status) for run, number, task_id, status
                  in rows('SELECT r.uuid, t.number, t.id, t.status FROM task t '
                          'LEFT JOIN run r ON r.id = t.run_id WHERE t.attempt > 0')]
    return Rows(workers, tasks, retried, handed_out)


def problems(outcome: Outcome, rows: Rows) -> list[str]:
    """Everything that did not check out; empty when every task was done once by a live agent."""
    wrong = list(outcome.problems)
    if outcome.errors:
        wrong.append(f'{outcome.errors} request(s) failed or answered an error: '
                     + '; '.join(outcome.examples[:5]))
    lost = rows.workers.get(WorkerState.LOST.value, 0)
    if lost or outcome.rejoins:
        wrong.append(f'{lost} agent(s) declared lost, {outcome.rejoins} re-registration(s)')
    if outcome.left != outcome.agents:
        wrong.append(f'{outcome.left} of {outcome.agents} agents said goodbye')
    if outcome.duplicate_claims or rows.retried:
        wrong.append(f'{outcome.duplicate_claims} task(s) claimed twice by agents, '
                     f'{rows.retried} at an attempt above 1 in the store')
    if outcome.taken_back:
        wrong.append(f'{outcome.taken_back} task(s) taken back from live agents')
    done = collections.Counter(outcome.completed)
    twice = sum(1 for n in done.values() if n > 1)
    claimed = {(run, key) for run, key, _ in outcome.claims}
    complete = {(run, key) for run, key, status in rows.handed_out
                if status == TaskState.COMPLETE.value}
    not_done = {(run, key) for run, key, status in rows.handed_out} - complete
    if twice or set(done) != claimed or complete != claimed or not_done:
        wrong.append(f'{len(claimed)} tasks claimed, {len(done)} completed ({twice} twice), '
                     f'{len(complete)} complete in the store, {len(not_done)} handed out and '
                     'not complete')
    return wrong
