"""farm-coordinator answers ordinary mistakes with one line that says what to do, and exit code 1."""

import os
import shutil
import socket
import subprocess

import peewee
import pytest

from coordinator import cli


def one_line_error(capsys, *argv) -> str:
    """Run the CLI in-process; its exit code must be 1 and stderr exactly one line."""
    assert cli.main(list(argv)) == 1
    err = capsys.readouterr().err
    assert err.count('\n') == 1 and 'Traceback' not in err, err
    assert err.startswith('farm-coordinator: ')
    return err


def test_a_data_dir_under_a_file_is_named_with_the_fix(tmp_path, capsys):
    (tmp_path / 'a-file').write_text('x')
    err = one_line_error(capsys, '--data-dir', str(tmp_path / 'a-file' / 'data'), 'init')
    assert 'cannot use' in err and 'FARM_DATA_DIR' in err


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which('chattr'), reason='needs root')
def test_a_data_dir_that_cannot_be_written_is_named_with_the_fix(tmp_path, capsys):
    data_dir = tmp_path / 'read-only'
    data_dir.mkdir()
    subprocess.run(['chattr', '+i', str(data_dir)], check=True)
    try:
        err = one_line_error(capsys, '--data-dir', str(data_dir), 'init')
    finally:
        subprocess.run(['chattr', '-i', str(data_dir)], check=True)
    assert '(not writable)' in err and '--data-dir' in err


def test_an_unsupported_database_scheme_says_which_are(capsys):
    err = one_line_error(capsys, '--database-url', 'mysql://u:secret@db/farm', 'init')
    assert 'sqlite:///PATH or postgresql://' in err and 'secret' not in err


def test_an_unreachable_postgresql_says_so_without_the_password(capsys):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(('127.0.0.1', 0))
        port = probe.getsockname()[1]
    err = one_line_error(capsys, '--database-url',
                         f'postgresql://farm:s3cret@127.0.0.1:{port}/farm', 'user', 'list')
    assert 'cannot use the database' in err and 'FARM_DATABASE_URL' in err
    assert 's3cret' not in err


def test_an_sqlite_older_than_3_35_is_refused_with_what_to_do(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(peewee.sqlite3, 'sqlite_version_info', (3, 34, 1))
    err = one_line_error(capsys, '--data-dir', str(tmp_path), 'init')
    assert 'SQLite 3.34.1 is too old' in err and 'pysqlite3-binary' in err
    assert not (tmp_path / 'farm.db').exists()


def test_a_port_in_use_is_said_once_with_the_option_to_change_it(tmp_path, capsys):
    with socket.create_server(('127.0.0.1', 0)) as taken:
        port = taken.getsockname()[1]
        err = one_line_error(capsys, '--data-dir', str(tmp_path), 'serve',
                             '--bind', f'127.0.0.1:{port}')
    assert f'cannot listen on 127.0.0.1:{port} (already in use)' in err
    assert '--bind' in err and 'FARM_BIND' in err
