"""Config: defaults, FARM_* variables and flags, in that order of precedence."""

import gc
import os
import stat
from pathlib import Path

import pytest

from coordinator.config import Config
from coordinator.db import describe, open_database
from coordinator.errors import Misconfigured
from tests.conftest import POSTGRES_URL


def test_the_default_database_is_sqlite_in_the_data_dir(tmp_path):
    assert Config(data_dir=tmp_path).database_url == f'sqlite:///{tmp_path}/farm.db'


def test_environment_then_flags_override_defaults(tmp_path):
    env = {'FARM_BIND': '0.0.0.0:9000', 'FARM_WORKERS': '3', 'FARM_DATA_DIR': str(tmp_path)}
    config = Config.from_env(env, workers=5, threads=None)
    assert (config.bind, config.workers, config.data_dir) == ('0.0.0.0:9000', 5, Path(tmp_path))


def test_the_time_to_send_a_body_is_bounded_unless_told_otherwise():
    assert Config().body_timeout_s == 10
    assert Config.from_env({'FARM_BODY_TIMEOUT_S': '2.5'}).body_timeout_s == 2.5


def test_a_malformed_number_in_the_environment_is_a_clear_error():
    with pytest.raises(SystemExit, match='FARM_WORKERS'):
        Config.from_env({'FARM_WORKERS': 'many'})


def test_postgres_urls_are_parsed_and_passwords_never_printed():
    database = open_database('postgresql://u:s%40cret@db.example:5433/farm?sslmode=require')
    assert database.database == 'farm'
    assert database.connect_params == {'user': 'u', 'password': 's@cret', 'host': 'db.example',
                                       'port': 5433, 'sslmode': 'require',
                                       'options': '-c max_parallel_workers_per_gather=0'}
    own = open_database('postgresql://u@db.example/farm?options=-c%20work_mem%3D64MB')
    assert own.connect_params['options'] == '-c work_mem=64MB'  # the URL's replace the default
    assert 's%40cret' not in describe('postgresql://u:s%40cret@db.example/farm')


def test_unknown_database_schemes_are_refused():
    with pytest.raises(Misconfigured, match='unsupported'):
        open_database('mysql://x/y')


def test_password_limits_come_from_the_environment_and_must_be_positive():
    config = Config.from_env({'FARM_PASSWORD_FAILURES_PER_NAME': '3',
                              'FARM_PASSWORD_CHECK_SLOTS': '2'})
    assert (config.password_failures_per_name, config.password_check_slots) == (3, 2)
    assert config.password_failures_per_address > config.password_failures_per_name
    with pytest.raises(SystemExit, match='FARM_PASSWORD_CHECK_SLOTS'):
        Config.from_env({'FARM_PASSWORD_CHECK_SLOTS': '0'})


def test_a_data_dir_the_coordinator_makes_is_private_and_one_that_exists_is_left_as_it_is(
        tmp_path):
    open_database(f'sqlite:///{tmp_path / "made" / "farm.db"}')
    assert stat.S_IMODE((tmp_path / 'made').stat().st_mode) == 0o700
    (tmp_path / 'shared').mkdir(mode=0o755)
    open_database(f'sqlite:///{tmp_path / "shared" / "farm.db"}')
    assert stat.S_IMODE((tmp_path / 'shared').stat().st_mode) == 0o755


def test_a_sqlite_database_let_go_of_closes_its_write_lock_file(tmp_path):
    def open_here() -> list[str]:
        """This process's open files under tmp_path (other threads' descriptors come and go)."""
        found = []
        for fd in os.listdir('/proc/self/fd'):
            try:
                target = os.readlink(f'/proc/self/fd/{fd}')
            except OSError:  # closed since listed
                continue
            if target.startswith(str(tmp_path)):
                found.append(target)
        return found

    for number in range(20):
        database = open_database(f'sqlite:///{tmp_path / f"farm-{number}.db"}')
        with database.write():
            database.execute_sql('CREATE TABLE t (x INTEGER)')
        database.close()
        del database
    gc.collect()
    assert open_here() == []


def test_a_worker_holds_ten_thousand_keep_alive_connections_unless_told_otherwise():
    assert Config().worker_connections == 10_000
    assert Config.from_env({'FARM_WORKER_CONNECTIONS': '500'}).worker_connections == 500
    with pytest.raises(SystemExit, match='FARM_WORKER_CONNECTIONS'):
        Config(worker_connections=0)


@pytest.mark.postgres
def test_the_coordinators_postgresql_connections_plan_without_parallel_workers():
    if not POSTGRES_URL:
        pytest.skip('FARM_TEST_POSTGRES_URL not set')
    database = open_database(POSTGRES_URL)
    try:
        assert database.execute_sql('SHOW max_parallel_workers_per_gather').fetchone() == ('0',)
    finally:
        database.close()
