"""A serve agent's launches of IronWorker code package tasks: fetched once per node, laid out
and run with -id; a package that cannot run is reported with its outcome, nothing started."""

import hashlib
import io
import zipfile

from farmworker import work
from farmworker.client import Refused
from farmworker.config import Node

NODE = Node(hostname='node01', pid=1)


def zipped(name: str, text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


ZIP = zipped('run.sh', 'echo hi\n')


class Coordinator:
    """Answers fetches of revision zips, counting them; `refuse` makes it answer 404."""

    def __init__(self, data: bytes = ZIP, refuse: bool = False):
        self.data, self.refuse, self.fetched = data, refuse, []

    def fetch(self, path: str) -> bytes:
        self.fetched.append(path)
        if self.refuse:
            raise Refused(404, 'no code revision 5 with a zip in this project')
        return self.data


def claim_reply(task_ids=(11,), checksum: str = hashlib.md5(ZIP).hexdigest()) -> dict:
    tasks = [{'id': task_id, 'attempt': 1, 'job_type': 'hello', 'version': 'ironworker',
              'revision': 5, 'run': None, 'number': None, 'input': None, 'payload': '{"a": 1}',
              'timeout_s': 60, 'iron_id': f'00007a5c{task_id:016x}'} for task_id in task_ids]
    return {'tasks': tasks, 'runs': {}, 'revisions': {'5': {
        'manifest': None, 'command': None, 'docker_image': None, 'settings': {},
        'code': {'checksum': checksum, 'runtime': 'sh', 'file_name': 'run.sh',
                 'config': '{"c": 2}'}}}}


def serving(coordinator: Coordinator, tmp_path) -> tuple[work.ServeWork, work.Place]:
    serve = work.ServeWork(None)
    serve.prepare(coordinator, 1.0)
    return serve, work.Place({'PATH': '/usr/bin:/bin'}, 2, str(tmp_path), NODE)


def test_each_revision_is_fetched_once_and_its_tasks_run_with_their_iron_ids(tmp_path):
    coordinator = Coordinator()
    serve, place = serving(coordinator, tmp_path)
    first, second = serve.launches(claim_reply((11, 12)), place)
    assert coordinator.fetched == ['/revisions/5/code']
    assert (tmp_path / 'code-cache' / (hashlib.md5(ZIP).hexdigest() + '.zip')).read_bytes() == ZIP
    assert first.problem is None and first.timeout_s == 60
    assert first.environ['TASK_ID'] == '00007a5c000000000000000b'
    assert first.argv[-8:-6] == ['-id', '00007a5c000000000000000b']
    assert (tmp_path / 'jobs' / 'task-11' / 'payload.json').read_text() == '{"a": 1}'
    # the revision's config: one file of the node's cache that its tasks share
    assert first.environ['CONFIG_FILE'] == second.environ['CONFIG_FILE']
    assert open(second.environ['CONFIG_FILE']).read() == '{"c": 2}'
    assert second.environ['CONFIG_FILE'].startswith(str(tmp_path / 'code-cache'))
    assert (tmp_path / 'jobs' / 'task-12' / 'code' / 'run.sh').read_text() == 'echo hi\n'


def test_a_zip_that_cannot_be_fetched_or_does_not_match_is_a_system_error(tmp_path):
    serve, place = serving(Coordinator(refuse=True), tmp_path)
    (refused,) = serve.launches(claim_reply(), place)
    assert refused.argv is None and refused.outcome == 'system_error'
    assert 'cannot fetch the code of revision 5' in refused.problem
    serve, place = serving(Coordinator(data=zipped('run.sh', 'other')), tmp_path / 'b')
    (mismatched,) = serve.launches(claim_reply(), place)
    assert (mismatched.outcome, mismatched.argv) == ('system_error', None)
    assert 'does not match its checksum' in mismatched.problem


def test_a_file_name_missing_from_the_zip_fails_the_task(tmp_path):
    serve, place = serving(Coordinator(), tmp_path)
    reply = claim_reply()
    reply['revisions']['5']['code']['file_name'] = 'missing.sh'
    (launch,) = serve.launches(reply, place)
    assert (launch.outcome, launch.argv) == ('failed', None)
    assert "no file 'missing.sh'" in launch.problem
