"""`farm job-type queue`: inputs from the command line, a file or stdin, sent to the type's URL."""

import io

import pytest

JOB = {'id': 12, 'job_type': {'id': 3, 'name': 'tiler', 'version': '1.2.0', 'title': None},
       'status': 'QUEUED', 'priority': 50, 'input': {'SCENE': '/data/s1.tif'}}


@pytest.fixture
def queued(coordinator):
    coordinator.replies[('POST', '/v6/job-types/tiler/1.2.0/jobs/')] = (201, JOB, {})
    return coordinator


def sent(coordinator) -> dict:
    ((method, path, body, _),) = coordinator.requests
    assert (method, path) == ('POST', '/v6/job-types/tiler/1.2.0/jobs/')
    return body


def test_a_job_is_queued_with_its_inputs_and_priority(queued, farm):
    code, out, err = farm('job-type', 'queue', 'tiler', '1.2.0',
                          '--input', '{"SCENE": "/data/s1.tif"}', '--priority', 50)
    assert (code, err) == (0, '')
    assert sent(queued) == {'input': {'SCENE': '/data/s1.tif'}, 'priority': 50}
    assert 'Job 12 of tiler 1.2.0 queued at priority 50' in out


def test_inputs_come_from_a_file_or_stdin_and_json_prints_the_job(queued, farm_json, tmp_path,
                                                                  monkeypatch):
    (tmp_path / 'in.json').write_text('{"LEVEL": 3}')
    given = f'@{tmp_path}/in.json'
    assert farm_json('job-type', 'queue', 'tiler', '1.2.0', '--input', given) == JOB
    assert sent(queued) == {'input': {'LEVEL': 3}}
    queued.requests.clear()
    monkeypatch.setattr('sys.stdin', io.StringIO('{"LEVEL": 4}'))
    farm_json('job-type', 'queue', 'tiler', '1.2.0', '--input', '@-')
    assert sent(queued) == {'input': {'LEVEL': 4}}


@pytest.mark.parametrize('given, problem', [
    ('{"SCENE": ', 'the --input JSON is not JSON'), ('[1]', 'must be a JSON object'),
    ('@/no/such/file.json', 'cannot read --input /no/such/file.json')])
def test_inputs_that_are_not_a_json_object_are_refused_before_asking(queued, farm, given,
                                                                     problem):
    code, out, err = farm('job-type', 'queue', 'tiler', '1.2.0', '--input', given)
    assert code == 1 and problem in err and queued.requests == []


def test_the_coordinators_refusal_is_one_line_in_its_words(queued, farm):
    queued.replies[('POST', '/v6/job-types/tiler/1.2.0/jobs/')] = (
        400, {'detail': "the input does not fit the job type: input 'SCENE' is required"}, {})
    code, out, err = farm('job-type', 'queue', 'tiler', '1.2.0')
    assert code == 1 and err == ("farm: the input does not fit the job type: input 'SCENE' is "
                                 'required\n')
    assert sent(queued) == {'input': {}}  # no --input: no inputs
