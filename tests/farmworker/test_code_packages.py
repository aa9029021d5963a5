"""IronWorker code packages on a node: fetched once, checked, unpacked per task and run with
IronWorker's arguments by a real SubprocessExecutor."""

import errno
import hashlib
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile

import pytest

from farmworker import code_cache
from farmworker.code_cache import MAX_ENTRIES, BadPackage, Code, CodeCache, checked_entries
from farmworker.code_packages import prepare
from farmworker.executors import SubprocessExecutor
from tests.clock import Clock
from tests.farmworker.seed_job_kit import finish

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

WORKER = '''import json, os, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
print(json.dumps({"args": args, "cwd": os.getcwd(), "sibling": open("lib.txt").read(),
                  "payload": open(os.environ["PAYLOAD_FILE"]).read(),
                  "config": open(os.environ["CONFIG_FILE"]).read(),
                  "env": {k: os.environ.get(k) for k in ("TASK_ID", "TASK_DIR", "GREETING")}}))
sys.exit(int(json.loads(open(args["-payload"]).read()).get("exit", 0)))
'''


def zipped(files: dict[str, str | bytes], *, links: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, content)
        for name in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, '/etc/passwd')
    return buffer.getvalue()


def code_of(data: bytes, runtime='python', file_name='main.py', **fields) -> Code:
    return Code(7, hashlib.md5(data).hexdigest(), runtime, file_name, **fields)


class Fetches:
    """What the coordinator would answer for a revision's code, counting the requests."""

    def __init__(self, data: bytes):
        self.data, self.count = data, 0

    def __call__(self, revision_id: int) -> bytes:
        self.count += 1
        return self.data


@pytest.fixture
def package():
    return zipped({'main.py': WORKER, 'lib.txt': 'beside the code', 'data/empty': ''})


def test_a_python_worker_runs_in_its_code_dir_with_ironworkers_arguments(tmp_path, package):
    fetches = Fetches(package)
    cache = CodeCache(str(tmp_path / 'cache'), fetches)
    code = code_of(package, config='{"db": "x"}', env_vars={'GREETING': 'hi'})
    task_dir = str(tmp_path / 'task-9')
    argv, env = prepare(code, '5f0c0ffee0c0ffee0c0ffee0', '{"n": 1}', task_dir, cache,
                        {'PATH': os.environ['PATH']})
    executor = SubprocessExecutor(tmp_path / 'logs', clock=Clock())
    executor.start(9, 1, argv, env, task_dir, None, cwd=env['TASK_DIR'])
    done = finish(executor)
    assert done.exit_code == 0, done.log_tail
    seen = json.loads(done.log_tail)
    code_dir = os.path.join(task_dir, 'code')
    config_file = seen['args']['-config']
    assert seen['args'] == {'-id': '5f0c0ffee0c0ffee0c0ffee0', '-d': code_dir,
                            '-payload': os.path.join(task_dir, 'payload.json'),
                            '-config': config_file}
    assert (seen['payload'], seen['config']) == ('{"n": 1}', '{"db": "x"}')
    assert seen['env'] == {'TASK_ID': '5f0c0ffee0c0ffee0c0ffee0', 'TASK_DIR': code_dir,
                           'GREETING': 'hi'}
    assert (seen['cwd'], seen['sibling']) == (code_dir, 'beside the code')
    assert fetches.count == 1
    # the config is the revision's, one read-only file of the node's cache for all its tasks
    assert os.path.dirname(config_file) == str(tmp_path / 'cache')
    assert os.stat(config_file).st_mode & 0o777 == 0o444


def test_a_task_without_payload_or_config_still_gets_both_files_empty(tmp_path):
    reader = ('import json, os, sys\n'
              'args = dict(zip(sys.argv[1::2], sys.argv[2::2]))\n'
              'print(json.dumps({name: open(args[flag]).read() == open(os.environ[var]).read()'
              ' == "" for name, flag, var in (("payload", "-payload", "PAYLOAD_FILE"),'
              ' ("config", "-config", "CONFIG_FILE"))}))\n')
    data = zipped({'main.py': reader})
    cache = CodeCache(str(tmp_path / 'cache'), Fetches(data))
    task_dir = str(tmp_path / 'task-3')
    for attempt, payload in enumerate((None, ''), start=1):
        argv, env = prepare(code_of(data), 'a', payload, task_dir, cache,
                            {'PATH': os.environ['PATH']})
        executor = SubprocessExecutor(tmp_path / 'logs', clock=Clock())
        executor.start(3, attempt, argv, env, task_dir, None, cwd=env['TASK_DIR'])
        done = finish(executor)
        assert done.exit_code == 0, done.log_tail
        assert json.loads(done.log_tail) == {'payload': True, 'config': True}
        # one shared, read-only empty file of the node's cache: nothing written for the task
        assert env['PAYLOAD_FILE'] == env['CONFIG_FILE'] == cache.text_file('')
        assert os.stat(env['PAYLOAD_FILE']).st_mode & 0o777 == 0o444
        assert sorted(os.listdir(task_dir)) == ['code']


def test_each_revision_is_fetched_once_per_node_and_unpacked_afresh_per_task(tmp_path, package):
    fetches = Fetches(package)
    cache = CodeCache(str(tmp_path / 'cache'), fetches)
    code = code_of(package)
    task_dir = str(tmp_path / 'task-1')
    prepare(code, 'a', None, task_dir, cache, {})
    left = os.path.join(task_dir, 'code', 'left-by-attempt-1')
    open(left, 'w').close()
    prepare(code, 'a', None, task_dir, cache, {})
    prepare(code, 'b', None, str(tmp_path / 'task-2'), cache, {})
    assert fetches.count == 1 and not os.path.exists(left)


def test_a_tree_removed_under_a_running_agent_is_unpacked_again_for_the_next_task(
        tmp_path, package):
    fetches = Fetches(package)
    cache = CodeCache(str(tmp_path / 'cache'), fetches)
    code = code_of(package)
    prepare(code, 'a', None, str(tmp_path / 't1'), cache, {})
    subprocess.run(['chmod', '-R', 'u+w', str(tmp_path / 'cache')], check=True)
    shutil.rmtree(tmp_path / 'cache')  # by hand, as the module's docstring says
    with pytest.raises(BadPackage, match='cannot lay out') as gone:
        prepare(code, 'b', None, str(tmp_path / 't2'), cache, {})
    assert gone.value.outcome == 'system_error'  # handed back: the node's fault, not the code's
    _, env = prepare(code, 'c', None, str(tmp_path / 't3'), cache, {})
    assert fetches.count == 2 and sorted(os.listdir(env['TASK_DIR'])) == [
        'data', 'lib.txt', 'main.py']


def test_code_that_does_not_match_its_checksum_is_refused_and_never_kept(tmp_path, package):
    cache = CodeCache(str(tmp_path / 'cache'), Fetches(package + b'tampered'))
    with pytest.raises(BadPackage, match='does not match its checksum') as refused:
        cache.zip_path(code_of(package))
    assert refused.value.outcome == 'system_error'
    assert not os.path.exists(tmp_path / 'cache') or os.listdir(tmp_path / 'cache') == []


@pytest.mark.parametrize('files, links, says', [
    ({'../evil.sh': 'x'}, (), 'outside its directory'),
    ({'/etc/cron.d/evil': 'x'}, (), 'outside its directory'),
    ({'a/../../evil': 'x'}, (), 'outside its directory'),
    ({'C:/evil': 'x'}, (), 'outside its directory'),
    ({'main.py': 'x'}, ('link',), 'not a file or directory'),
], ids=['dotdot', 'absolute', 'nested-dotdot', 'drive', 'symlink'])
def test_a_hostile_zip_is_refused_before_anything_is_written(tmp_path, files, links, says):
    data = zipped(files, links=links)
    cache = CodeCache(str(tmp_path / 'cache'), Fetches(data))
    with pytest.raises(BadPackage, match=says):
        prepare(code_of(data, file_name='main.py'), 'a', None, str(tmp_path / 'task'), cache, {})
    assert not (tmp_path / 'evil.sh').exists() and not (tmp_path / 'task').exists()
    assert list(tmp_path.glob('cache/*')) == []  # never kept either


def test_a_zip_bomb_and_a_zip_of_too_many_entries_are_refused_from_their_headers(monkeypatch):
    monkeypatch.setattr(code_cache, 'MAX_UNPACKED_BYTES', 64 << 20)  # the same, faster
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        with archive.open('zeros', 'w') as member:  # 65 MiB of zeros, never on disk
            chunk = bytes(1 << 20)
            for _ in range(65):
                member.write(chunk)
    assert len(buffer.getvalue()) < 1 << 20
    with zipfile.ZipFile(buffer) as archive, pytest.raises(BadPackage, match='more than'):
        checked_entries(archive)
    many = zipped({f'f{i}': '' for i in range(MAX_ENTRIES + 1)})
    with zipfile.ZipFile(io.BytesIO(many)) as archive, pytest.raises(BadPackage,
                                                                     match='entries'):
        checked_entries(archive)


def test_a_runtime_missing_on_the_node_is_a_system_error_and_an_unknown_one_a_failure(
        tmp_path, package):
    cache = CodeCache(str(tmp_path / 'cache'), Fetches(package))
    with pytest.raises(BadPackage, match='needs ruby on the PATH') as missing:
        prepare(code_of(package, 'ruby'), 'a', None, str(tmp_path / 't1'), cache,
                {'PATH': str(tmp_path / 'empty')})
    assert missing.value.outcome == 'system_error'
    with pytest.raises(BadPackage, match="runtime 'cobol'") as unknown:
        prepare(code_of(package, 'cobol'), 'a', None, str(tmp_path / 't2'), cache, {})
    assert unknown.value.outcome == 'failed'
    with pytest.raises(BadPackage, match="no file 'nope.py'"):
        prepare(code_of(package, file_name='nope.py'), 'a', None, str(tmp_path / 't3'), cache,
                {})


def test_a_binary_runs_itself_and_a_failing_worker_keeps_its_exit_code(tmp_path):
    data = zipped({'run.sh': f'#!{sys.executable}\n' + WORKER, 'lib.txt': 'x'})
    cache = CodeCache(str(tmp_path / 'cache'), Fetches(data))
    argv, env = prepare(code_of(data, 'binary', 'run.sh'), 'a', '{"exit": 3}',
                        str(tmp_path / 'task'), cache, {'PATH': os.environ['PATH']})
    executor = SubprocessExecutor(tmp_path / 'logs', clock=Clock())
    executor.start(1, 1, argv, env, str(tmp_path / 'task'), None, cwd=env['TASK_DIR'])
    assert finish(executor).exit_code == 3


def test_a_revision_is_unpacked_once_per_node_and_tasks_share_its_tree_read_only(
        tmp_path, package):
    cache = CodeCache(str(tmp_path / 'cache'), Fetches(package))
    code = code_of(package)
    first, second = (os.path.join(str(tmp_path / name), 'code') for name in ('t1', 't2'))
    prepare(code, 'a', None, str(tmp_path / 't1'), cache, {})
    prepare(code, 'b', None, str(tmp_path / 't2'), cache, {})
    tree = cache.unpacked(code)
    # a top-level file is a hard link, a top-level directory a symbolic link, into the tree
    assert os.stat(os.path.join(first, 'lib.txt')).st_ino == os.stat(
        os.path.join(tree, 'lib.txt')).st_ino
    assert os.readlink(os.path.join(second, 'data')) == os.path.join(tree, 'data')
    assert not os.path.islink(first) and not os.path.islink(os.path.join(first, 'lib.txt'))
    # the tree is read-only, directories included
    modes = {os.path.relpath(os.path.join(root, name), tree): os.stat(
        os.path.join(root, name)).st_mode & 0o777 for root, dirs, files in os.walk(tree)
        for name in dirs + files}
    assert modes == {'main.py': 0o444, 'lib.txt': 0o444, 'data': 0o555, 'data/empty': 0o444}
    assert os.stat(tree).st_mode & 0o777 == 0o555


def test_a_file_that_cannot_be_hard_linked_is_symbolically_linked(tmp_path, package,
                                                                  monkeypatch):
    def used_up(source, target):  # ext4 after 65,000 tasks, or another file system (EXDEV)
        raise OSError(errno.EMLINK, 'Too many links')

    cache = CodeCache(str(tmp_path / 'cache'), Fetches(package))
    code = code_of(package)
    cache.tree(code)
    monkeypatch.setattr(os, 'link', used_up)
    _, env = prepare(code, 'a', None, str(tmp_path / 'task'), cache, {})
    tree = cache.unpacked(code)
    assert os.readlink(os.path.join(env['TASK_DIR'], 'lib.txt')) == os.path.join(tree, 'lib.txt')
    assert open(os.path.join(env['TASK_DIR'], 'lib.txt')).read() == 'beside the code'


def test_a_task_writing_in_its_dir_leaves_the_shared_tree_and_the_next_task_alone(tmp_path):
    writer = ('import os\n'
              'open("made.txt", "w").write("mine")\n'
              'open("lib.txt.new", "w").write("changed")\n'
              'os.replace("lib.txt.new", "lib.txt")\n'
              'os.mkdir("out"); open("out/result", "w").write("done")\n')
    data = zipped({'main.py': writer, 'lib.txt': 'as uploaded', 'data/input': 'x'})
    cache = CodeCache(str(tmp_path / 'cache'), Fetches(data))
    code = code_of(data)
    executor = SubprocessExecutor(tmp_path / 'logs', clock=Clock())
    for task in (1, 2):
        task_dir = str(tmp_path / f'task-{task}')
        argv, env = prepare(code, str(task), None, task_dir, cache, {'PATH': os.environ['PATH']})
        if task == 2:  # the next task, before it runs: the package as uploaded, nothing else
            code_dir = env['TASK_DIR']
            assert sorted(os.listdir(code_dir)) == ['data', 'lib.txt', 'main.py']
            assert open(os.path.join(code_dir, 'lib.txt')).read() == 'as uploaded'
        executor.start(task, 1, argv, env, task_dir, None, cwd=env['TASK_DIR'])
        done = finish(executor)
        assert done.exit_code == 0, done.log_tail
    tree = cache.unpacked(code)
    assert sorted(os.listdir(tree)) == ['data', 'lib.txt', 'main.py']
    assert open(os.path.join(tree, 'lib.txt')).read() == 'as uploaded'
    assert open(tmp_path / 'task-1' / 'code' / 'lib.txt').read() == 'changed'
    assert open(tmp_path / 'task-1' / 'code' / 'out' / 'result').read() == 'done'


CANNOT_WRITE = '''import hashlib, io, json, os, sys, zipfile
from farmworker.code_cache import Code, CodeCache
from farmworker.code_packages import prepare
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, 'w') as archive:
    archive.writestr('lib.txt', 'as uploaded')
    archive.writestr('data/empty', '')
data, where = buffer.getvalue(), sys.argv[1]
cache = CodeCache(os.path.join(where, 'cache'), lambda revision: data)
_, env = prepare(Code(1, hashlib.md5(data).hexdigest(), 'sh', 'lib.txt'), 'a', None,
                 os.path.join(where, 'task'), cache, {})
refused = []
for path, mode in (('lib.txt', 'a'), ('data/new', 'w')):
    try:
        open(os.path.join(env['TASK_DIR'], path), mode).write('x')
    except PermissionError:
        refused.append(path)
open(os.path.join(env['TASK_DIR'], 'mine'), 'w').write('x')
print(json.dumps(refused))
'''


def test_a_task_cannot_write_into_the_shared_files_or_directories_of_its_code(tmp_path):
    """Run as a user the modes bind: as `nobody` when the tests run as root."""
    as_user = []
    if os.geteuid() == 0:
        if shutil.which('setpriv') is None:
            pytest.skip('root writes whatever the modes say, and setpriv is missing')
        as_user = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']
    where = tempfile.mkdtemp(prefix='code-modes-')  # tmp_path's parents are root's alone
    try:
        os.chmod(where, 0o777)
        done = subprocess.run([*as_user, sys.executable, '-c', CANNOT_WRITE, where],
                              capture_output=True, text=True, timeout=60,
                              env={**os.environ, 'PYTHONPATH': ROOT})
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == ['lib.txt', 'data/new']
        tree = os.path.join(where, 'cache', next(name for name in os.listdir(
            os.path.join(where, 'cache')) if name.endswith('.d')))
        assert sorted(os.listdir(tree)) == ['data', 'lib.txt']
        assert open(os.path.join(tree, 'lib.txt')).read() == 'as uploaded'
    finally:
        subprocess.run(['chmod', '-R', 'u+w', where], check=False)
        shutil.rmtree(where, ignore_errors=True)
