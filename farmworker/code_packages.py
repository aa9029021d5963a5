"""IronWorker code packages' tasks on a node: each one's files laid out from its revision's
shared tree (code_cache.py) and run by its runtime with IronWorker's `-id -d -payload -config`.

What a task of a code package gets, as IronWorker gives it:

- its own directory `TASK_DIR/code` holding the package's files: its working directory, its
  `-d` and its TASK_DIR, where it may create and replace files as it likes;
- `RUNTIME FILE_NAME -id TASK_ID -d DIR -payload PAYLOAD_FILE -config CONFIG_FILE`, started
  in DIR, where RUNTIME is the interpreter found on the node's PATH (`binary` runs FILE_NAME
  itself);
- TASK_ID, TASK_DIR, PAYLOAD_FILE and CONFIG_FILE in its environment, with the code's
  `env_vars`. The payload file sits beside the code (`TASK_DIR/payload.json`), so no file of
  the package can be mistaken for it. `-payload` and `-config` are always given, as the
  IronWorker helper libraries read them: a task without a payload, and every task for its
  revision's `config`, get a file of the node's cache holding that text (empty when there is
  none), shared and read-only, so that a task writes one file of its own at most.

The package's files are not copied per task. The code directory is made afresh for each
task with one entry per top-level name of the package: a hard link to each top-level file
(a symbolic link where a hard link cannot be made: another file system, or the 65,000 links
of an ext4 file used up) and a symbolic link to each top-level directory, all into the
revision's read-only tree. A task's layout so costs a directory and a link per top-level name
whatever the size of the package, where a copy, or a link per file, cost a no-op task most of
its agent's time. What a task can and cannot do to its code:

- create files in its code directory, or replace a top-level file (write a new one, rename
  it over the link): they stay its own, and the next task sees the package as uploaded;
- not write into a file of the package, nor create anything inside its directories: they are
  the node's shared copy, and their modes refuse it. That stops mistakes, not the tree's
  owner on purpose (a task running as root, or one that changes the modes back). A task
  writes its files in its directory or in a directory it makes there.
"""

import errno
import functools
import os
import shutil

from farmworker.code_cache import BadPackage, Code, CodeCache, Tree, write_file

# an interpreter for each runtime IronWorker names, tried in order
RUNTIMES = {'sh': ('sh',), 'python': ('python3', 'python'), 'ruby': ('ruby',), 'php': ('php',),
            'node': ('node',), 'binary': ()}
CODE_DIR, PAYLOAD_FILE = 'code', 'payload.json'


def lay_out(tree: Tree, directory: str) -> None:
    """`directory` made afresh with an entry for each top-level name of `tree`: a hard link to
    a file, a symbolic link to a directory (or to a file that cannot be linked)."""
    try:
        os.mkdir(directory)
    except FileExistsError:  # an earlier attempt's, on this node
        shutil.rmtree(directory)  # symbolic links are removed, never followed
        os.mkdir(directory)
    for name, is_dir in tree.entries:
        source, target = f'{tree.path}/{name}', f'{directory}/{name}'
        if not is_dir:
            try:
                os.link(source, target)
                continue
            except OSError as exc:  # another file system, or EMLINK: the file's links used up
                if exc.errno == errno.ENOENT:
                    raise
        os.symlink(source, target)


@functools.lru_cache(maxsize=64)
def _interpreter(names: tuple[str, ...], path: str | None) -> str | None:
    """The first of `names` on `path`: looked up once per agent, not per task."""
    return next(filter(None, (shutil.which(name, path=path) for name in names)), None)


def command(code: Code, tree: Tree, task_id: str, code_dir: str, payload_file: str,
            config_file: str, path: str | None) -> list[str]:
    """The argv that runs `code` with IronWorker's arguments, started in `code_dir`."""
    if code.runtime not in RUNTIMES:
        raise BadPackage(f'the runtime {code.runtime!r} is not one of '
                         f'{", ".join(sorted(RUNTIMES))}')
    if os.path.normpath(code.file_name) not in tree.files:
        raise BadPackage(f'the code has no file {code.file_name!r} to run')
    program = os.path.join(code_dir, code.file_name)
    if code.runtime == 'binary':
        shared = os.path.join(tree.path, code.file_name)
        if not os.stat(shared).st_mode & 0o100:  # the shared file: executable, still read-only
            os.chmod(shared, 0o555)
        argv = [program]
    else:
        names = RUNTIMES[code.runtime]
        found = _interpreter(names, path)
        if found is None:
            raise BadPackage(f'the {code.runtime} runtime needs {" or ".join(names)} on the '
                             'PATH of this node', outcome='system_error')
        argv = [found, code.file_name]
    # run in `code_dir` (the Launch's cwd): IronWorker code expects its own directory
    return argv + ['-id', task_id, '-d', code_dir, '-payload', payload_file,
                   '-config', config_file]


def prepare(code: Code, task_id: str, payload: str | None, task_dir: str, cache: CodeCache,
            environ: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of one task of `code`, its files laid out in `task_dir`; `task_id`
    is the task's id as its API family shows it, `environ` the task's own copy of the
    environment, which this completes."""
    tree = cache.tree(code)
    code_dir = f'{task_dir}/{CODE_DIR}'
    try:
        payload_file = f'{task_dir}/{PAYLOAD_FILE}' if payload else cache.text_file('')
        config_file = cache.text_file(code.config or '')
    except OSError as exc:
        raise BadPackage(f'cannot keep files in {cache.directory}: {exc}',
                         outcome='system_error') from None
    environ.update(code.env_vars)
    environ.update(TASK_ID=task_id, TASK_DIR=code_dir, PAYLOAD_FILE=payload_file,
                   CONFIG_FILE=config_file)
    argv = command(code, tree, task_id, code_dir, payload_file, config_file,
                   environ.get('PATH'))
    try:
        try:
            os.mkdir(task_dir)
        except FileExistsError:  # an earlier attempt's: lay_out makes its code afresh
            pass
        except FileNotFoundError:  # the first task: its parent is new too
            os.makedirs(task_dir, exist_ok=True)
        lay_out(tree, code_dir)
        if payload:
            write_file(payload_file, payload.encode('utf-8', errors='replace'))
    except OSError as exc:  # the node's scratch space (full, read-only, gone), or its cache
        cache.forget(code)
        raise BadPackage(f'cannot lay out the code in {task_dir}: {exc}',
                         outcome='system_error') from None
    return argv, environ
