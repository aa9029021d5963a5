"""A job's payload inputs checked against its Seed interface and made environment variables."""

import pytest

from farmworker.seed_inputs import BadInput, as_text, normalised, read_payload, stage

INTERFACE = {
    'files': [{'name': 'input-file'}, {'name': 'extras', 'multiple': True, 'required': False}],
    'json': [{'name': 'threshold', 'type': 'number'}, {'name': 'label', 'type': 'string',
                                                        'required': False},
             {'name': 'bands', 'type': 'array', 'required': False}],
}


@pytest.fixture
def data(tmp_path):
    directory = tmp_path / 'data'
    directory.mkdir()
    (directory / 'in.h5').write_bytes(b'x' * 3 * 1024 * 1024)
    (directory / 'a.txt').write_bytes(b'a' * 1024 * 1024)
    return directory


def test_the_envelope_gives_the_inputs_by_name():
    assert read_payload('{"input": {"a": 1}, "other": true}') == {'a': 1}
    assert read_payload(None) == {} and read_payload('  ') == {} and read_payload('{}') == {}


@pytest.mark.parametrize('payload, says', [
    ('{"input": ', 'the payload is not JSON'),
    ('[1, 2]', 'must be a JSON object'),
    ('{"input": [1]}', '"input" must be an object'),
    ('[' * 100_000, 'the payload is not JSON'),
])
def test_a_malformed_payload_is_refused_with_a_message(payload, says):
    with pytest.raises(BadInput) as raised:
        read_payload(payload)
    assert says in str(raised.value)


def test_names_are_normalised_as_seed_says():
    assert normalised('my-demo-resourceNew') == 'MY_DEMO_RESOURCENEW'


def test_json_values_reach_the_job_as_text():
    assert [as_text(v) for v in ('abc', 3, 2.5, True, None, [1, 'a'], {'k': 1})] == [
        'abc', '3', '2.5', 'true', 'null', '[1, "a"]', '{"k": 1}']


def test_inputs_become_variables_under_their_normalised_names(data, tmp_path):
    staged = stage(INTERFACE, {'input-file': str(data / 'in.h5'), 'threshold': 0.5,
                               'bands': [1, 2]}, tmp_path / 'staging')
    assert staged.variables == {'INPUT_FILE': str(data / 'in.h5'), 'THRESHOLD': '0.5',
                                'BANDS': '[1, 2]'}
    assert staged.unset == {'EXTRAS', 'LABEL'}
    assert staged.paths == [str(data / 'in.h5')] and staged.volume_mib == 3.0


def test_a_multiple_input_given_as_files_is_a_directory_of_them(data, tmp_path):
    staged = stage(INTERFACE, {'input-file': str(data / 'in.h5'), 'threshold': 1,
                               'extras': [str(data / 'a.txt'), str(data / 'in.h5')]},
                   tmp_path / 'staging')
    directory = tmp_path / 'staging' / 'extras'
    assert staged.variables['EXTRAS'] == str(directory)
    assert sorted(path.name for path in directory.iterdir()) == ['a.txt', 'in.h5']
    assert (directory / 'a.txt').read_bytes() == (data / 'a.txt').read_bytes()
    assert staged.volume_mib == 7.0  # in.h5 counts once per input that names it


def test_a_multiple_input_given_as_a_directory_is_used_as_it_is(data, tmp_path):
    staged = stage(INTERFACE, {'input-file': str(data / 'in.h5'), 'threshold': 1,
                               'extras': str(data)}, tmp_path / 'staging')
    assert staged.variables['EXTRAS'] == str(data) and staged.volume_mib == 7.0
    assert not (tmp_path / 'staging').exists()


@pytest.mark.parametrize('inputs, says', [
    ({'threshold': 1}, 'the required input input-file is missing'),
    ({'input-file': None, 'threshold': 1}, 'the required input input-file is missing'),
    ({'input-file': 'IN', 'threshold': 1, 'typo': 2},
     'the payload gives typo, which the job type does not take (it takes input-file, extras, '
     'threshold, label, bands)'),
    ({'input-file': 'relative/in.h5', 'threshold': 1}, 'must be an absolute path'),
    ({'input-file': '/no/such/file', 'threshold': 1}, '/no/such/file is not a file on this node'),
    ({'input-file': 'DATA', 'threshold': 1}, 'is not a file on this node'),
    ({'input-file': ['IN', 'IN'], 'threshold': 1}, 'takes one file, not 2'),
    ({'input-file': 7, 'threshold': 1}, 'must be a path or a list of paths'),
    ({'input-file': [], 'threshold': 1}, 'must be a path or a list of paths'),
    ({'input-file': 'IN', 'threshold': '1'}, 'threshold must be of JSON type number, not str'),
    ({'input-file': 'IN', 'threshold': True}, 'must be of JSON type number, not bool'),
    ({'input-file': 'IN', 'threshold': 1, 'bands': {}}, 'must be of JSON type array'),
    ({'input-file': 'IN', 'threshold': 1, 'extras': ['IN', 'IN']}, 'has two files named in.h5'),
])
def test_inputs_that_do_not_fit_the_interface_are_refused(data, tmp_path, inputs, says):
    paths = {'IN': str(data / 'in.h5'), 'DATA': str(data)}

    def real(value):  # the data files' paths for their stand-ins
        if isinstance(value, list):
            return [real(item) for item in value]
        return paths.get(value, value) if isinstance(value, str) else value

    inputs = {name: real(value) for name, value in inputs.items()}
    with pytest.raises(BadInput) as raised:
        stage(INTERFACE, inputs, tmp_path / 'staging')
    assert says in str(raised.value)


def test_an_interface_without_inputs_takes_none(tmp_path):
    assert stage({}, {}, tmp_path).variables == {}
    with pytest.raises(BadInput, match='it takes no inputs'):
        stage({}, {'x': 1}, tmp_path)
