"""Code package zips: hostile ones refused with a clear message, good ones kept by content."""

import hashlib
import io
import os
import stat
import zipfile

import pytest

from coordinator import code_zips
from coordinator.errors import InvalidInput, PayloadTooLarge

LIMIT = 64 * 1024 * 1024


def zipped(*entries: tuple[str, bytes], **options) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED, **options) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def refusal(data: bytes, runs: str | None = None) -> str:
    with pytest.raises(InvalidInput) as caught:
        code_zips.check(data, LIMIT, runs)
    return caught.value.msg


def test_a_plain_zip_with_its_executable_passes():
    code_zips.check(zipped(('proj/main.py', b'print(1)\n'), ('proj/lib/', b'')), LIMIT,
                    'proj/main.py')


def test_an_executable_missing_from_the_zip_is_named():
    assert "'main.py' is not a file" in refusal(zipped(('other.py', b'')), 'main.py')


@pytest.mark.parametrize('name', ['../evil', 'a/../../evil', '..\\evil'])
def test_entries_climbing_out_are_refused(name):
    assert 'climbs out' in refusal(zipped((name, b'x')))


@pytest.mark.parametrize('name', ['/abs', '/etc/passwd', 'C:/windows', '\\\\server\\share'])
def test_absolute_entries_are_refused(name):
    assert 'absolute path' in refusal(zipped((name, b'x')))


def _with_mode(name: str, mode: int, data: bytes = b'target') -> bytes:
    info = zipfile.ZipInfo(name)
    info.external_attr = mode << 16
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as archive:
        archive.writestr(info, data)
    return buffer.getvalue()


def test_a_symlink_entry_is_refused():
    assert 'symbolic link' in refusal(_with_mode('link', stat.S_IFLNK | 0o777, b'/etc/passwd'))


def test_a_device_or_fifo_entry_is_refused():
    assert 'not a plain file' in refusal(_with_mode('pipe', stat.S_IFIFO | 0o644))


def test_a_regular_file_with_its_mode_recorded_passes():
    code_zips.check(_with_mode('run.sh', stat.S_IFREG | 0o755), LIMIT)


def test_a_hundred_thousand_entries_are_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_STORED) as archive:
        for number in range(100_000):
            archive.writestr(f'{number}', b'')
    assert 'has 100000 entries' in refusal(buffer.getvalue())


def test_a_one_gigabyte_bomb_of_zeros_is_refused_without_inflating_it(monkeypatch):
    buffer = io.BytesIO()  # about 1 MB: the gigabyte is compressed as it is written
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_DEFLATED) as archive:
        with archive.open('zeros', 'w', force_zip64=True) as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(1000):
                entry.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 5 * 1024 * 1024
    monkeypatch.setattr(code_zips, '_check_contents', _never_called)
    assert 'unpacks to 1048576000 bytes' in refusal(data)


def _never_called(*args):
    raise AssertionError('the contents of a refused zip were read')


def test_a_small_bomb_under_the_size_cap_is_refused_by_its_ratio():
    message = refusal(zipped(('zeros', bytes(50 * 1024 * 1024))))
    assert 'zip bomb' in message


def test_an_entry_whose_data_does_not_match_its_crc_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w', zipfile.ZIP_STORED) as archive:
        archive.writestr('a.txt', b'A' * 1000)
    data = buffer.getvalue().replace(b'A' * 1000, b'A' * 999 + b'B')
    assert 'Bad CRC-32' in refusal(data)


def test_something_that_is_not_a_zip_is_refused():
    assert 'not a readable zip' in refusal(b'PK\x03\x04 but nothing more')


def test_a_zip_over_the_configured_limit_is_too_large():
    with pytest.raises(PayloadTooLarge) as caught:
        code_zips.check(zipped(('a', b'x' * 100)), 50)
    assert 'FARM_MAX_CODE_BYTES' in caught.value.msg


def test_a_zip_is_kept_once_by_its_sha256_and_reports_its_md5(tmp_path):
    data = zipped(('main.py', b'print(1)\n'))
    kept = code_zips.keep(data, tmp_path)
    assert kept == code_zips.Kept(hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest(),
                                  len(data))
    assert code_zips.path_of(tmp_path, kept.sha256).read_bytes() == data
    assert code_zips.keep(data, tmp_path) == kept
    assert [path.name for path in (tmp_path / 'blobs').iterdir()] == [kept.sha256]


def test_only_zips_no_revision_names_and_not_touched_lately_are_forgotten(tmp_path):
    used, unused, recent = (code_zips.keep(zipped(('run.sh', name.encode())), tmp_path)
                            for name in ('used', 'unused', 'recent'))
    leftover = tmp_path / 'blobs' / 'tmpab12cd'  # an interrupted write
    leftover.write_bytes(b'half a zip')
    now = 1e9
    for kept in (used, unused):
        os.utime(code_zips.path_of(tmp_path, kept.sha256), (now - 7200, now - 7200))
    os.utime(leftover, (now - 7200, now - 7200))
    os.utime(code_zips.path_of(tmp_path, recent.sha256), (now - 60, now - 60))
    in_use = {used.sha256}

    dry = code_zips.forget_unused(tmp_path, in_use, now, dry_run=True)
    assert (dry.files, dry.size_bytes) == (2, unused.size_bytes + len(b'half a zip'))
    assert code_zips.path_of(tmp_path, unused.sha256).exists()
    assert code_zips.forget_unused(tmp_path, in_use, now) == dry
    assert sorted(path.name for path in (tmp_path / 'blobs').iterdir()) == sorted(
        [used.sha256, recent.sha256])


def test_uploading_a_kept_zip_again_makes_it_recent(tmp_path):
    data = zipped(('run.sh', b'echo hi'))
    path = code_zips.path_of(tmp_path, code_zips.keep(data, tmp_path).sha256)
    os.utime(path, (1e9, 1e9))
    code_zips.keep(data, tmp_path)
    assert code_zips.forget_unused(tmp_path, set(), path.stat().st_mtime).files == 0
