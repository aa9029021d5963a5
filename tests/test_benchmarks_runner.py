"""The benchmark runner gathers figures from real script subprocesses into one table and JSON,
and a script that crashes, hangs or writes nothing becomes a failed row, not a lost run."""

import json
import os
import textwrap
from pathlib import Path

import pytest

from tests.benchmarks import runner, summary
from tests.benchmarks.catalogue import HERE, Benchmark

REPORTING = f"""
import sys
sys.path.insert(0, {str(HERE)!r})
from pathlib import Path
from figures import Figure, report

json_path = Path(sys.argv[sys.argv.index('--json') + 1])
arguments = ' '.join(sys.argv[1:sys.argv.index('--json')])
"""

SCRIPTS = {
    'good.py': REPORTING + """
report('good', [Figure('tasks/s', 1234.0, 'tasks/s', '>=', 1000, arguments),
                Figure('p99', 250.0, 'ms', '<', 100), Figure('rows', 10)], json_path)
""",
    'unhappy.py': REPORTING + """
report('unhappy', [Figure('duplicates', 2, '', '<=', 0)], json_path)
sys.exit(1)
""",
    'crash.py': "raise RuntimeError('boom: the server never answered')\n",
    'silent.py': "print('measured nothing')\n",
    'hang.py': """
import pathlib, time
try:
    time.sleep(60)
finally:  # what a benchmark does to stop the servers it started
    pathlib.Path(__file__).with_name('hang.cleaned').write_text('stopped its servers')
""",
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    scripts = tmp_path / 'scripts'
    scripts.mkdir()
    for name, text in SCRIPTS.items():
        (scripts / name).write_text(textwrap.dedent(text))
    return scripts


def fake(name: str, budget_s: int = 60) -> Benchmark:
    return Benchmark(name, f'{name}.py', f'the {name} script', full=('--full',),
                     quick=('--quick', '--tasks', '10'), budget_s=budget_s)


def run_fakes(folder: Path, tmp_path: Path, benchmarks: list[Benchmark]):
    lines = []
    outcomes, facts = runner.run_all(
        benchmarks, True, tmp_path / 'logs', dict(os.environ), folder,
        echo=lambda text, end='\n': lines.append(text + end))
    return outcomes, facts, ''.join(lines)


def test_one_table_has_every_figure_and_a_failed_row_for_each_broken_run(folder, tmp_path):
    benchmarks = [fake('good'), fake('unhappy'), fake('crash'), fake('silent'),
                  fake('hang', budget_s=1), fake('absent')]
    outcomes, facts, progress = run_fakes(folder, tmp_path, benchmarks)
    by_name = {outcome.name: outcome for outcome in outcomes}

    assert [o.status for o in outcomes] == ['ok', 'failed', 'failed', 'failed', 'failed',
                                            'not present']
    assert by_name['crash'].detail.startswith('exit 1, wrote no figures')
    assert 'RuntimeError: boom' in by_name['crash'].detail
    assert by_name['silent'].detail == 'wrote no figures (last line: measured nothing)'
    assert by_name['hang'].detail.startswith(f'stopped after {runner.PATIENCE} s')
    assert (folder / 'hang.cleaned').exists()  # stopped so that its clean-up ran
    assert by_name['unhappy'].detail == 'exit 1: a run did not check out'
    assert [f.name for f in by_name['unhappy'].figures] == ['duplicates']  # kept all the same
    assert 'measured nothing' in Path(by_name['silent'].log).read_text()

    table = summary.combined_table(outcomes)
    assert '| good | tasks/s (--quick --tasks 10) | 1,234 tasks/s | >= 1,000 | yes |' in table
    assert '| good | p99 | 250 ms | < 100 | **no** |' in table
    assert '| good | rows | 10 |  |  |' in table
    assert '| unhappy | duplicates | 2 | <= 0 | **no** |' in table
    assert '| crash | **run failed**: exit 1, wrote no figures' in table
    assert '| absent | not present: absent.py is not in this checkout | — | | |' in table
    assert table.index('| good |') < table.index('| unhappy |') < table.index('| crash |')
    assert summary.tally(outcomes) == ('targets met: 1 of 3 (figures without a target: 1); '
                                       'benchmarks: 1 ok, 4 failed, 1 not present')
    assert progress.splitlines()[0] == '[1/6] good ... ok, 3 figures, 1 missed, ' + \
        f'{by_name["good"].seconds:.0f} s'
    assert facts['mode'] == 'quick' and facts['cores'] == os.cpu_count()


def test_the_combined_json_keeps_each_run_and_the_exit_status_says_one_failed(
        folder, tmp_path, capsys):
    outcomes, facts, _ = run_fakes(folder, tmp_path, [fake('good'), fake('crash')])
    out = tmp_path / 'all.json'

    assert summary.publish(outcomes, facts, [out]) == 1

    written = json.loads(out.read_text())
    assert written['checked_out'] is False
    assert written['machine']['mode'] == 'quick' and 'load_1m_at_start' in written['machine']
    good, crash = written['benchmarks']
    assert (good['name'], good['status'], good['exit_code']) == ('good', 'ok', 0)
    assert good['arguments'] == ['--quick', '--tasks', '10']
    assert [(f['name'], f['met']) for f in good['figures']] == [
        ('tasks/s', True), ('p99', False), ('rows', None)]
    assert (crash['status'], crash['exit_code'], crash['figures']) == ('failed', 1, [])
    assert '| crash | **run failed**' in capsys.readouterr().out


def test_missed_targets_and_absent_scripts_still_check_out(folder, tmp_path, capsys):
    outcomes, facts, _ = run_fakes(folder, tmp_path, [fake('good'), fake('absent')])

    assert summary.publish(outcomes, facts, [tmp_path / 'all.json']) == 0
