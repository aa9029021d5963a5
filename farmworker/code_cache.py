"""A node's cache of IronWorker code revisions: each zip fetched once and checked, each unpacked
once into a read-only tree that every task of the revision shares, and small shared files.

The zip is kept under the cache directory by its md5 checksum, so each revision crosses the
network once per node, however many tasks and agents run it. The coordinator checked it when
it was uploaded; the node checks it again before writing a byte of it (no absolute or `..`
paths, no links or devices, bounded entries and unpacked size), because what arrives over
the network is not trusted. It is unpacked beside its zip (`<checksum>.d`) and the tree is
made read-only, directories included (`chmod -R a-w`), since tasks link to it rather than
copy it (code_packages.py). Removing the cache by hand therefore needs `chmod -R u+w` first.
"""

import contextlib
import dataclasses
import hashlib
import io
import os
import shutil
import stat
import zipfile
from collections.abc import Callable, Mapping

MAX_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 1 << 30


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


@dataclasses.dataclass(frozen=True)
class Tree:
    """A revision's files unpacked on this node: what a task's layout and argv need of them."""

    path: str
    entries: tuple[tuple[str, bool], ...]  # its top-level names, each with: is a directory
    files: frozenset[str]  # the path of every file in it, relative, for FILE_NAME


class CodeCache:
    """Zips of code revisions on this node, by checksum, fetched on first use, and their trees.

    `fetch(revision_id)` returns a revision's zip. Agents on one node may fetch the same
    revision at once: each writes its own temporary file and renames it into place. What an
    agent learnt of the disk (a tree is there, a shared file is written) it keeps, so that a
    task costs no look-up.
    """

    def __init__(self, directory: str, fetch: Callable[[int], bytes]) -> None:
        self.directory = directory
        self._fetch = fetch
        self._trees: dict[str, Tree] = {}
        self._texts: dict[str, str] = {}

    def tree(self, code: Code) -> Tree:
        """`code`'s files unpacked on this node (read-only), made on first use."""
        found = self._trees.get(code.checksum)
        if found is None:
            path = self.unpacked(code)
            with os.scandir(path) as listing:
                entries = tuple(sorted((entry.name, entry.is_dir()) for entry in listing))
            files = frozenset(os.path.relpath(os.path.join(root, name), path)
                              for root, _, names in os.walk(path) for name in names)
            found = self._trees[code.checksum] = Tree(path, entries, files)
        return found

    def forget(self, code: Code) -> None:
        """Look at the disk again for `code` next time (a layout from its tree failed)."""
        self._trees.pop(code.checksum, None)

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
            _remove(partial)
            raise
        try:
            _read_only(partial)
            os.rename(partial, final)
        except OSError:  # another agent of the node put it there first (or the disk failed)
            _remove(partial)
            if not os.path.isdir(final):
                raise
        return final

    def text_file(self, text: str) -> str:
        """A read-only file of the cache holding `text`, written once per node: tasks share it."""
        found = self._texts.get(text)
        if found is None:
            data = text.encode('utf-8', errors='replace')
            found = os.path.join(self.directory, f'text-{hashlib.md5(data).hexdigest()}')
            if not os.path.isfile(found):
                os.makedirs(self.directory, exist_ok=True)
                partial = f'{found}.{os.getpid()}.part'
                with contextlib.suppress(FileNotFoundError):  # read-only, left by a crash
                    os.unlink(partial)
                write_file(partial, data, 0o444)
                os.replace(partial, found)
            self._texts[text] = found
        return found

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
    _remove(directory)
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
    """The tree read-only, directories included (executables stay executable): tasks share it."""
    for root, _, files in os.walk(directory, topdown=False):
        for name in files:
            path = os.path.join(root, name)
            os.chmod(path, 0o555 if os.stat(path).st_mode & 0o111 else 0o444)
        os.chmod(root, 0o555)


def _remove(directory: str) -> None:
    """`directory` and all in it gone, read-only parts too (their owner may make them writable)."""
    for root, _, _ in os.walk(directory):  # nothing, if it is not there
        with contextlib.suppress(OSError):
            os.chmod(root, 0o755)
    shutil.rmtree(directory, ignore_errors=True)


def write_file(path: str, data: bytes, mode: int = 0o644) -> None:
    """`path` holding `data`, made or truncated: two system calls fewer than open()."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, mode)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
