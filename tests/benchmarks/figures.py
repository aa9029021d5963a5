"""Figures a benchmark measured, each against its target: one table to print, one JSON to keep.

Every benchmark script ends by calling `report(...)` with its figures; given `--json PATH`
(see `add_json_option`) it also writes them there, which is how `python -m tests.benchmarks all`
gathers the figures of every benchmark into one table.
"""

import json
import operator
import os
import platform
import time
from dataclasses import asdict, dataclass
from pathlib import Path

_COMPARE = {'>=': operator.ge, '<=': operator.le, '<': operator.lt, '>': operator.gt}


@dataclass
class Figure:
    """One measured value; `op` and `target` say what it should be (no op: for information)."""

    name: str
    value: float | None
    unit: str = ''
    op: str | None = None
    target: float | None = None
    note: str = ''

    @property
    def met(self) -> bool | None:
        """Whether the value meets the target; None for a figure without one."""
        if self.op is None:
            return None
        return self.value is not None and _COMPARE[self.op](self.value, self.target)

    def as_dict(self) -> dict:
        return {**asdict(self), 'met': self.met}


def machine() -> dict:
    """What the figures were measured on: cores, CPU model, load when the benchmark ended."""
    model = ''
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                model = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    return {'host': platform.node(), 'cores': os.cpu_count(), 'cpu': model,
            'load_1m': round(os.getloadavg()[0], 2), 'python': platform.python_version(),
            'when': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}


def shown(value: float | None) -> str:
    """A figure for a table: thousands separated, at most three significant decimals."""
    if value is None:
        return '—'
    if abs(value) >= 100 or float(value).is_integer():
        return f'{value:,.0f}'
    return f'{value:.3g}'


def table(rows: list[tuple[str, Figure]]) -> str:
    """A markdown table of (benchmark, figure) rows with their targets and verdicts."""
    lines = ['| benchmark | figure | value | target | met |', '|---|---|---:|---:|:---:|']
    for benchmark, figure in rows:
        target = f'{figure.op} {shown(figure.target)}' if figure.op else ''
        verdict = {True: 'yes', False: '**no**', None: ''}[figure.met]
        unit = f' {figure.unit}' if figure.unit else ''
        note = f' ({figure.note})' if figure.note else ''
        lines.append(f'| {benchmark} | {figure.name}{note} | {shown(figure.value)}{unit} '
                     f'| {target} | {verdict} |')
    return '\n'.join(lines)


def add_json_option(parser) -> None:
    """`--json PATH`: where `report` also writes the figures."""
    parser.add_argument('--json', type=Path, metavar='PATH',
                        help='also write the figures and their targets to PATH as JSON')


def report(benchmark: str, figures: list[Figure], json_path: Path | None = None) -> None:
    """Print the figures against their targets and write them to `json_path` if given. An
    unmet target is a finding, not a failure: a script's exit status says whether its runs
    checked out (nothing lost, nothing twice)."""
    print('\n' + table([(benchmark, figure) for figure in figures]))
    if json_path is not None:
        json_path.write_text(json.dumps({'benchmark': benchmark, 'machine': machine(),
                                         'figures': [f.as_dict() for f in figures]}, indent=2))
