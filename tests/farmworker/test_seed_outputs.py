"""Outputs a job left in OUTPUT_DIR: declared members and files collected, hostile files refused."""

import json
import os

import pytest

from farmworker.seed_outputs import MAX_OUTPUT_BYTES, BadOutput, collect

OUTPUTS = {
    'files': [{'name': 'tables', 'pattern': '*.csv', 'multiple': True},
              {'name': 'plot', 'pattern': 'plots/plot-*.png'},
              {'name': 'notes', 'pattern': 'notes.txt', 'required': False}],
    'json': [{'name': 'CELL_COUNT', 'type': 'integer', 'key': 'cellCount'},
             {'name': 'score', 'type': 'number', 'required': False}],
}


@pytest.fixture
def out(tmp_path):
    directory = tmp_path / 'output-1'
    (directory / 'plots').mkdir(parents=True)
    for name in ('b.csv', 'a.csv', 'plots/plot-1.png'):
        (directory / name).write_text(name)
    return directory


def write(directory, content, name='seed.outputs.json'):
    path = directory / name
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())


def refusal(directory, outputs=OUTPUTS) -> str:
    with pytest.raises(BadOutput) as raised:
        collect(directory, outputs)
    return str(raised.value)


def test_declared_json_members_and_files_are_collected(out):
    write(out, {'cellCount': 256, 'score': 0.9, 'undeclared': 'left out'})
    assert collect(out, OUTPUTS) == {
        'files': {'tables': [str(out / 'a.csv'), str(out / 'b.csv')],
                  'plot': [str(out / 'plots' / 'plot-1.png')]},
        'json': {'CELL_COUNT': 256, 'score': 0.9},
    }


def test_outputs_json_serves_when_there_is_no_seed_outputs_json(out):
    write(out, {'cellCount': 1}, 'outputs.json')
    assert collect(out, OUTPUTS)['json'] == {'CELL_COUNT': 1}
    write(out, {'cellCount': 2})  # Seed's own name wins when both are there
    assert collect(out, OUTPUTS)['json'] == {'CELL_COUNT': 2}


def test_a_plain_command_reports_the_whole_object_and_no_files(out):
    write(out, {'anything': [1, {'nested': None}]}, 'outputs.json')
    assert collect(out, None) == {'files': {}, 'json': {'anything': [1, {'nested': None}]}}


def test_nothing_written_is_an_empty_result_when_nothing_is_required(out):
    assert collect(out, None) == {'files': {}, 'json': {}}


@pytest.mark.parametrize('content, says', [
    ({'score': 1}, "the required JSON output CELL_COUNT is missing: seed.outputs.json has no "
                   "member 'cellCount'"),
    ({'cellCount': '256'}, 'CELL_COUNT (seed.outputs.json member \'cellCount\') must be of type '
                           'integer, not str'),
    ({'cellCount': 2.5}, 'must be of type integer, not float'),
    ({'cellCount': True}, 'must be of type integer, not bool'),
    ({'cellCount': 1, 'score': 'high'}, 'score (seed.outputs.json member \'score\') must be'),
    (b'{"cellCount": ', 'seed.outputs.json is not JSON'),
    (b'{"cellCount": NaN}', 'seed.outputs.json is not JSON: NaN is not a JSON number'),
    (b'{"cellCount": 1e999}', 'is too large a number'),
    (b'\xff\xfe{}', 'seed.outputs.json is not UTF-8 text'),
    (b'[1, 2]', 'seed.outputs.json must hold a JSON object, not list'),
    (b'[' * 60_000, 'seed.outputs.json is not JSON'),
    (b'{"a": "' + b'x' * MAX_OUTPUT_BYTES + b'"}', f'holds more than {MAX_OUTPUT_BYTES} bytes'),
    (b'{"cellCount": 1, "s": "a\\u0000b"}', None),  # not a declared member: not reported
], ids=['missing', 'string', 'float', 'bool', 'optional-wrong', 'truncated', 'nan', 'huge-number',
        'not-utf8', 'array', 'deep', 'too-long', 'undeclared-nul'])
def test_a_hostile_or_wrong_outputs_file_fails_with_a_message(out, content, says):
    write(out, content)
    if says is None:
        assert collect(out, OUTPUTS)['json'] == {'CELL_COUNT': 1}
    else:
        assert says in refusal(out)


def test_text_no_database_stores_is_refused(out):
    write(out, b'{"a": "x\\u0000y"}', 'outputs.json')
    assert 'NUL' in refusal(out, None)
    write(out, b'{"a": ["\\udcff"]}', 'outputs.json')
    assert 'lone surrogate' in refusal(out, None)


def test_no_outputs_file_at_all_says_so(out):
    assert refusal(out) == ('the required JSON output CELL_COUNT is missing: the job wrote '
                            'neither seed.outputs.json nor outputs.json')


def test_a_result_over_the_bound_is_refused_though_each_file_fits(out):
    write(out, {f'k{i}': 'v' * 1000 for i in range(60)}, 'outputs.json')
    for number in range(40):
        (out / f'table-{number:04d}-{"x" * 200}.csv').write_text('')
    assert 'more than the 65536 a result may hold' in refusal(out, {
        'files': [{'name': 'tables', 'pattern': '*.csv', 'multiple': True}]})


def test_a_fifo_in_place_of_the_outputs_file_is_refused_without_waiting(out):
    os.mkfifo(out / 'seed.outputs.json')
    assert refusal(out) == 'seed.outputs.json is not a regular file'


def test_a_directory_in_place_of_the_outputs_file_is_refused(out):
    (out / 'outputs.json').mkdir()
    assert refusal(out, None) == 'outputs.json is not a regular file'


def test_an_unreadable_outputs_file_is_refused(out):
    write(out, {'cellCount': 1})
    (out / 'seed.outputs.json').chmod(0)
    if os.access(out / 'seed.outputs.json', os.R_OK):
        pytest.skip('root reads whatever the mode says')
    assert refusal(out) == 'seed.outputs.json cannot be read: Permission denied'


@pytest.mark.parametrize('files, says', [
    ([{'name': 'plot', 'pattern': 'plots/*.gif'}],
     "the required output plot: no file in OUTPUT_DIR matches 'plots/*.gif'"),
    ([{'name': 'table', 'pattern': '*.csv'}], "the output table is one file, but 2 match '*.csv'"),
    ([{'name': 'dirs', 'pattern': 'plot*'}], "no file in OUTPUT_DIR matches 'plot*'"),
    ([{'name': 'up', 'pattern': '../*'}], "the output up has the pattern '../*', which reaches "
                                          'outside OUTPUT_DIR'),
    ([{'name': 'abs', 'pattern': '/etc/*'}], 'reaches outside OUTPUT_DIR'),
])
def test_output_files_that_do_not_match_the_manifest_fail(out, files, says):
    assert says in refusal(out, {'files': files})


def test_patterns_do_not_recurse_into_subdirectories(out):
    (out / 'plots' / 'deep.csv').write_text('')
    found = collect(out, {'files': [{'name': 't', 'pattern': '**.csv', 'multiple': True}]})
    assert found['files'] == {'t': [str(out / 'a.csv'), str(out / 'b.csv')]}
