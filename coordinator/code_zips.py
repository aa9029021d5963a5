"""Code package zips: checked before anything keeps them, then kept content-addressed on disk.

`check` refuses what an agent must never unpack: absolute or `..` paths, links and
other entries that are not plain files or directories, encrypted entries, too many
entries, too much unpacked data or too high a compression ratio (a zip bomb). The
sizes it judges are those the zip declares, so a bomb is refused without inflating
it; an entry that inflates past its declared size fails its CRC check, which reads
at most the declared bytes. `keep` writes a checked zip to
`<data_dir>/blobs/<sha256>` once, however often it is uploaded, and returns its MD5,
the checksum IronWorker clients are shown. `forget_unused` deletes the zips no revision
names any more (`farm-coordinator prune`).
"""

import dataclasses
import hashlib
import io
import os
import stat
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from coordinator.errors import InvalidInput, PayloadTooLarge

MAX_ENTRIES = 10_000
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
# deflate packs zeros about 1000:1 and source code 3-10:1; a ratio past this is refused once
# the zip unpacks to more than RATIO_FLOOR_BYTES (a small file of blanks is no bomb)
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024
_CHUNK = 1024 * 1024
_ALLOWED_TYPES = (0, stat.S_IFREG, stat.S_IFDIR)  # 0: made where Unix modes are not recorded
# a zip kept or uploaded again this recently is never forgotten: its revision's row may not be
# committed yet (the zip is kept first), so that no revision names it says nothing yet
UNUSED_GRACE_S = 3600.0


@dataclasses.dataclass(frozen=True, slots=True)
class Kept:
    """A zip as stored: its SHA-256 (its file name under blobs/), MD5 and size."""

    sha256: str
    md5: str
    size_bytes: int


def check(data: bytes, max_bytes: int, runs: str | None = None) -> None:
    """Refuse (InvalidInput, or PayloadTooLarge past `max_bytes`) a zip no agent should
    unpack; `runs`, when given, must be one of its files."""
    if len(data) > max_bytes:
        raise PayloadTooLarge(f'the zip is larger than {max_bytes} bytes (FARM_MAX_CODE_BYTES)')
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            _check_entries(entries, len(data))
            _check_contents(archive, entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError,
            NotImplementedError) as exc:
        raise InvalidInput(f'the file is not a readable zip: {exc}') from None
    if runs is not None and runs not in {entry.filename for entry in entries
                                         if not entry.is_dir()}:
        raise InvalidInput(f'file_name {runs!r} is not a file in the zip')


def _check_entries(entries: list[zipfile.ZipInfo], packed_bytes: int) -> None:
    if len(entries) > MAX_ENTRIES:
        raise InvalidInput(f'the zip has {len(entries)} entries; at most {MAX_ENTRIES} are taken')
    unpacked = 0
    for entry in entries:
        _check_name(entry.filename)
        kind = stat.S_IFMT(entry.external_attr >> 16)
        if kind not in _ALLOWED_TYPES:
            what = 'a symbolic link' if kind == stat.S_IFLNK else 'not a plain file'
            raise InvalidInput(f'zip entry {entry.filename!r} is {what}; only files and '
                               'directories are taken')
        if entry.flag_bits & 0x1:
            raise InvalidInput(f'zip entry {entry.filename!r} is encrypted')
        unpacked += entry.file_size
    if unpacked > MAX_UNPACKED_BYTES:
        raise InvalidInput(f'the zip unpacks to {unpacked} bytes; at most {MAX_UNPACKED_BYTES} '
                           'are taken')
    if unpacked > RATIO_FLOOR_BYTES and unpacked > MAX_RATIO * packed_bytes:
        raise InvalidInput(f'the zip unpacks to {unpacked} bytes from {packed_bytes}, more than '
                           f'{MAX_RATIO} times its size: refused as a zip bomb')


def _check_name(name: str) -> None:
    """Paths stay inside the directory the zip is unpacked into, on any system."""
    path = PurePosixPath(name.replace('\\', '/'))
    if path.is_absolute() or (path.parts and path.parts[0].endswith(':')) or not name:
        raise InvalidInput(f'zip entry {name!r} has an absolute path')
    if '..' in path.parts:
        raise InvalidInput(f'zip entry {name!r} climbs out of its directory (..)')
    if '\x00' in name:
        raise InvalidInput('a zip entry name contains a NUL character')


def _check_contents(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Read every entry to its declared size: a CRC mismatch (an entry that lies) raises."""
    for entry in entries:
        if entry.is_dir():
            continue
        with archive.open(entry) as stream:
            while stream.read(_CHUNK):
                pass


def keep(data: bytes, data_dir: Path) -> Kept:
    """Store a checked zip under `data_dir`/blobs/ by its SHA-256 (once); what was kept."""
    kept = Kept(hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(), len(data))
    path = path_of(data_dir, kept.sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # written aside and renamed into place: a reader never sees half a zip, and two
        # uploads of the same zip at once both end with the one file
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, path)
    else:
        os.utime(path)  # uploaded again: in use from now, whatever forget_unused read before
    return kept


@dataclasses.dataclass
class Forgotten:
    """Zips (and leftovers of interrupted writes) deleted, or that a dry run would delete."""

    files: int = 0
    size_bytes: int = 0


def forget_unused(data_dir: Path, used: set[str], now: float, *, dry_run: bool = False,
                  grace_s: float = UNUSED_GRACE_S) -> Forgotten:
    """Delete the files under blobs/ that `used` (SHA-256s) does not name, unless recent."""
    forgotten = Forgotten()
    blobs = Path(data_dir) / 'blobs'
    for path in blobs.iterdir() if blobs.is_dir() else ():
        try:
            facts = path.stat()
            if path.name in used or facts.st_mtime > now - grace_s or not path.is_file():
                continue
            if not dry_run:
                path.unlink()
        except FileNotFoundError:  # another prune got there first
            continue
        forgotten.files += 1
        forgotten.size_bytes += facts.st_size
    return forgotten


def path_of(data_dir: Path, sha256: str) -> Path:
    """Where the zip of that SHA-256 is kept."""
    return Path(data_dir) / 'blobs' / sha256
