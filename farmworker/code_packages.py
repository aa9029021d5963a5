"""IronWorker code packages on a node: each revision's zip fetched once, unpacked per task, run
by its runtime with IronWorker's `-id -d -payload -config`.

What a task of a code package gets, as IronWorker gives it:

- its code unpacked afresh in `TASK_DIR/code`, which is its working directory and its `-d`;
- `RUNTIME FILE_NAME -id TASK_ID -d DIR -payload PAYLOAD_FILE -config CONFIG_FILE`, where
  RUNTIME is the interpreter found on the node's PATH (`binary` runs FILE_NAME itself);
- TASK_ID, TASK_DIR, PAYLOAD_FILE and CONFIG_FILE in its environment, with the code's
  `env_vars`. The payload and config files sit beside the code (`TASK_DIR/payload.json`,
  `TASK_DIR/config.json`), so no file of the package can be mistaken for them; CONFIG_FILE
  names an empty file when the code has no config.

The zip is kept under the node's cache directory by its md5 checksum, so each revision
crosses the network once per node, however many tasks and agents run it. The coordinator
checked it when it was uploaded; the node checks it again before writing a byte of it
(no absolute or `..` paths, no links or devices, bounded entries and unpacked size),
because what arrives over the network is not trusted.

It is unpacked once per node too, beside its zip (`<checksum>.d`, its files made
read-only), and each task's code directory is made of hard links to those files: a
task's own directory, whose files cost a link each rather than inflating the zip again
(a no-op task spent most of its agent's time there). A task that changes a file of its
code must replace it, not write into it: the file is read-only, as it is shared. Where
links cannot be made (another file system) the files are copied.
"""

import dataclasses
import functools
import hashlib
import io
import os
import shutil
import stat
import zipfile
from collections.abc import Callable, Mapping

MAX_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 1 << 30
# an interpreter for each runtime IronWorker names, tried in order
RUNTIMES = {'sh': ('sh',), 'python': ('python3', 'python'), 'ruby': ('ruby',), 'php': ('php',),
            'node': ('node',), 'binary': ()}
CODE_DIR, PAYLOAD_FILE, CONFIG_FILE = 'code', 'payload.json', 'config.json'


@dataclasses.dataclass(frozen=True)
class Code:
    """A code package's revision, as a claim describes it."""

    revision_id: int
    checksum: str  # md5 of the zip, hex
    runtime: str
    file_name: str  # the executable's path inside the zip
    config: str | None = None
    env_vars: Mapping[str, str] = dataclasses.field(default_factory=dict)


class BadPackage(Exception):
    """The package cannot run here; `outcome` is what to report (`system_error`: the node)."""

    def __init__(self, message: str, outcome: str = 'failed') -> None:
        super().__init__(message)
        self.outcome = outcome


class CodeCache:
    """Zips of code revisions on this node, by checksum, fetched on first use.

    `fetch(revision_id)` returns a revision's zip. Agents on one node may fetch the same
    revision at once: each writes its own temporary file and renames it into place.
    """

    def __init__(self, directory: str, fetch: Callable[[int], bytes]) -> None:
        self.directory = directory
        self._fetch = fetch

    def unpacked(self, code: Code) -> str:
        """The directory of `code`'s files unpacked on this node (read-only), made once."""
        final = os.path.join(self.directory, code.checksum + '.d')
        if os.path.isdir(final):
            return final
        zip_path = self.zip_path(code)
        partial = f'{final}.{os.getpid()}.part'
        try:
            unpack(zip_path, partial)
        except (BadPackage, OSError):
            shutil.rmtree(partial, ignore_errors=True)
            raise
        try:
            _read_only(partial)
            os.rename(partial, final)
        except OSError:  # another agent of the node put it there first (or the disk failed)
            shutil.rmtree(partial, ignore_errors=True)
            if not os.path.isdir(final):
                raise
        return final

    def zip_path(self, code: Code) -> str:
        """The path of `code`'s zip on this node, fetched and checked if it is not there yet."""
        if not all(c in '0123456789abcdef' for c in code.checksum) or len(code.checksum) != 32:
            raise BadPackage(f'the code checksum {code.checksum!r} is not an md5 digest')
        path = os.path.join(self.directory, code.checksum + '.zip')
        if os.path.exists(path):
            return path
        data = self._fetch(code.revision_id)
        if hashlib.md5(data).hexdigest() != code.checksum:
            raise BadPackage(f'the code of revision {code.revision_id} does not match its '
                             'checksum', outcome='system_error')
        try:  # a zip that could never be unpacked is not kept
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                checked_entries(archive)
        except zipfile.BadZipFile as exc:
            raise BadPackage(f'the code is not a zip: {exc}') from None
        try:
            os.makedirs(self.directory, exist_ok=True)
            partial = f'{path}.{os.getpid()}.part'
            with open(partial, 'wb') as file:
                file.write(data)
            os.replace(partial, path)
        except OSError as exc:
            raise BadPackage(f'cannot keep the code in {self.directory}: {exc}',
                             outcome='system_error') from None
        return path


def checked_entries(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The archive's entries, or BadPackage if any could escape its directory or the
    whole would be too large unpacked (judged from the headers: nothing is inflated)."""
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise BadPackage(f'the code has {len(entries)} entries, more than {MAX_ENTRIES}')
    total = 0
    for info in entries:
        name = info.filename
        parts = name.replace('\\', '/').split('/')
        if name.startswith(('/', '\\')) or '..' in parts or ':' in parts[0] or '\x00' in name:
            raise BadPackage(f'the code has an entry outside its directory: {name!r}')
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise BadPackage(f'the code has an entry that is not a file or directory: {name!r}')
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise BadPackage(f'the code unpacks to more than {MAX_UNPACKED_BYTES} bytes')
    return entries


def unpack(zip_path: str, directory: str) -> None:
    """The zip's files in `directory`, made afresh (an earlier attempt's are removed)."""
    shutil.rmtree(directory, ignore_errors=True)
    os.makedirs(directory)
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for info in checked_entries(archive):
                target = os.path.join(directory, info.filename)
                if info.is_dir():
                    os.makedirs(target, exist_ok=True)
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                # a member yields at most its header's size, and its CRC is checked at the end
                with archive.open(info) as source, open(target, 'wb') as copy:
                    shutil.copyfileobj(source, copy)
                if (info.external_attr >> 16) & 0o111:
                    os.chmod(target, 0o755)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise BadPackage(f'the code is not a zip this node can unpack: {exc}') from None


def _read_only(directory: str) -> None:
    """Its files read-only (executables stay executable): tasks share them by hard links."""
    for root, _, files in os.walk(directory):
        for name in files:
            path = os.path.join(root, name)
            os.chmod(path, 0o555 if os.stat(path).st_mode & 0o111 else 0o444)


def lay_out(source: str, directory: str) -> None:
    """`directory` made afresh with the files of `source`, hard-linked (copied across file
    systems); an earlier attempt's are removed."""
    shutil.rmtree(directory, ignore_errors=True)
    for root, dirs, files in os.walk(source):
        target = os.path.join(directory, os.path.relpath(root, source))
        os.makedirs(target, exist_ok=True)
        for name in files:
            try:
                os.link(os.path.join(root, name), os.path.join(target, name))
            except OSError:
                shutil.copy2(os.path.join(root, name), os.path.join(target, name))


@functools.lru_cache(maxsize=64)
def _interpreter(names: tuple[str, ...], path: str | None) -> str | None:
    """The first of `names` on `path`: looked up once per agent, not per task."""
    return next(filter(None, (shutil.which(name, path=path) for name in names)), None)


def command(code: Code, task_id: str, code_dir: str, payload_file: str, config_file: str,
            path: str | None) -> list[str]:
    """The argv that runs `code` in `code_dir` with IronWorker's arguments."""
    if code.runtime not in RUNTIMES:
        raise BadPackage(f'the runtime {code.runtime!r} is not one of '
                         f'{", ".join(sorted(RUNTIMES))}')
    program = os.path.join(code_dir, code.file_name)
    if not os.path.isfile(program):
        raise BadPackage(f'the code has no file {code.file_name!r} to run')
    if code.runtime == 'binary':
        if not os.stat(program).st_mode & 0o100:  # a shared file: executable, still read-only
            os.chmod(program, 0o555)
        argv = [program]
    else:
        names = RUNTIMES[code.runtime]
        found = _interpreter(names, path)
        if found is None:
            raise BadPackage(f'the {code.runtime} runtime needs {" or ".join(names)} on the '
                             'PATH of this node', outcome='system_error')
        argv = [found, code.file_name]
    argv += ['-id', task_id, '-d', code_dir, '-payload', payload_file,
             '-config', config_file]
    # the executor starts tasks in the agent's directory; IronWorker code expects its own
    return ['/bin/sh', '-c', 'cd -- "$0" && exec "$@"', code_dir, *argv]


def prepare(code: Code, task_id: str, payload: str | None, task_dir: str, cache: CodeCache,
            environ: Mapping[str, str]) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) of one task of `code`, its files laid out in `task_dir`; `task_id`
    is the task's id as its API family shows it."""
    unpacked = cache.unpacked(code)
    code_dir = os.path.join(task_dir, CODE_DIR)
    try:
        lay_out(unpacked, code_dir)
        payload_file, config_file = (os.path.join(task_dir, name)
                                     for name in (PAYLOAD_FILE, CONFIG_FILE))
        for name, text in ((payload_file, payload), (config_file, code.config)):
            with open(name, 'w', encoding='utf-8') as file:
                file.write(text or '')
    except OSError as exc:  # the node's scratch space (full, read-only, gone)
        raise BadPackage(f'cannot lay out the code in {task_dir}: {exc}',
                         outcome='system_error') from None
    env = dict(environ)
    env.update(code.env_vars)
    env.update(TASK_ID=task_id, TASK_DIR=code_dir, PAYLOAD_FILE=payload_file,
               CONFIG_FILE=config_file)
    argv = command(code, task_id, code_dir, payload_file, config_file, env.get('PATH'))
    return argv, env
