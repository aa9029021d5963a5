"""One table of every benchmark's figures against their targets, and the combined JSON."""

import json
from dataclasses import asdict
from pathlib import Path

from .figures import table
from .runner import ABSENT, OK, Outcome


def status_row(outcome: Outcome) -> str:
    """The row of a benchmark that did not check out, or is not in the checkout."""
    detail = outcome.detail.replace('|', '/')
    if outcome.status == ABSENT:
        return f'| {outcome.name} | not present: {detail} | — | | |'
    where = f'; log {outcome.log}' if outcome.log else ''
    return f'| {outcome.name} | **run failed**: {detail}{where} | — | | **no** |'


def combined_table(outcomes: list[Outcome]) -> str:
    """Every figure of every benchmark, in the order they ran, each failed run as a row too."""
    lines = table([]).splitlines()
    for outcome in outcomes:
        lines += table([(outcome.name, figure) for figure in outcome.figures]).splitlines()[2:]
        if outcome.status != OK:
            lines.append(status_row(outcome))
    return '\n'.join(lines)


def tally(outcomes: list[Outcome]) -> str:
    """How many targets were met and how many runs checked out, in one line."""
    figures = [figure for outcome in outcomes for figure in outcome.figures]
    judged = [figure.met for figure in figures if figure.met is not None]
    counts = {status: sum(1 for o in outcomes if o.status == status)
              for status in ('ok', 'failed', 'not present')}
    runs = ', '.join(f'{n} {status}' for status, n in counts.items())
    return (f'targets met: {sum(judged)} of {len(judged)} (figures without a target: '
            f'{len(figures) - len(judged)}); benchmarks: {runs}')


def describe_machine(facts: dict) -> str:
    minutes, seconds = divmod(round(facts['total_s']), 60)
    return (f"{facts['mode']} run on {facts['cores']} cores ({facts['cpu'] or 'CPU unknown'}), "
            f"load average {facts['load_1m_at_start']} at the start and {facts['load_1m']} at "
            f"the end, {minutes} min {seconds:02d} s in all, finished {facts['when']}")


def combined_json(outcomes: list[Outcome], facts: dict) -> dict:
    """What `all --json` writes: the machine, then each benchmark's run and figures."""
    benchmarks = []
    for outcome in outcomes:
        entry = asdict(outcome)
        entry['figures'] = [figure.as_dict() for figure in outcome.figures]
        entry['seconds'] = round(outcome.seconds, 1)
        benchmarks.append(entry)
    return {'machine': facts, 'checked_out': all(o.checked_out for o in outcomes),
            'tally': tally(outcomes), 'benchmarks': benchmarks}


def publish(outcomes: list[Outcome], facts: dict, json_paths: list[Path]) -> int:
    """Print the table, the tally and the machine; write the JSON; the exit status."""
    print('\n' + combined_table(outcomes))
    print('\n' + tally(outcomes))
    print(describe_machine(facts))
    combined = json.dumps(combined_json(outcomes, facts), indent=2)
    for path in json_paths:
        path.write_text(combined)
    print('figures written to ' + ', '.join(str(p) for p in json_paths))
    return 0 if all(o.checked_out for o in outcomes) else 1
