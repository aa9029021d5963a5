"""HTTPS served by the coordinator itself: agents and `farm` verify it and work as over HTTP."""

import os
import shutil
import subprocess
import urllib.request

import pytest

from tests.e2e.conftest import venv_script
from tests.e2e.test_farmworker import Farm, ran

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def certificate(tmp_path, monkeypatch):
    """A self-signed certificate for 127.0.0.1, trusted by this process and its children."""
    if not shutil.which('openssl'):
        pytest.skip('openssl makes the test certificate')
    cert, key = tmp_path / 'cert.pem', tmp_path / 'key.pem'
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2',
                    '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1',
                    '-keyout', str(key), '-out', str(cert)], check=True, capture_output=True)
    monkeypatch.setenv('SSL_CERT_FILE', str(cert))
    return cert, key


def farm_cli(coordinator, token, *args, **env):
    return subprocess.run([venv_script('farm'), *args], capture_output=True, text=True, timeout=60,
                          env={**os.environ, 'FARM_URL': coordinator.url, 'FARM_TOKEN': token,
                               **env})


def test_agents_and_farm_work_over_https_that_they_verify(serve, certificate, tmp_path):
    cert, key = certificate
    coordinator = serve(workers=2, FARM_CERTFILE=str(cert), FARM_KEYFILE=str(key))
    assert coordinator.url.startswith('https://')
    farm = Farm(coordinator, tmp_path)
    run_uuid = farm.create_run(20)
    agent = farm.agent(run_uuid, 'echo {task} >> ran', '--slots', '2')
    output, _ = agent.communicate(timeout=120)
    assert agent.returncode == 0, output
    assert ran(tmp_path) == list(range(20)) and farm.status(run_uuid)['done'] == 20

    listed = farm_cli(coordinator, farm.token, 'runs', '--state', 'all')
    assert listed.returncode == 0 and run_uuid[:8] in listed.stdout, listed.stderr
    untrusting = farm_cli(coordinator, farm.token, 'runs', SSL_CERT_FILE=str(tmp_path / 'none'))
    assert untrusting.returncode != 0 and 'cannot trust' in untrusting.stderr
    assert 'Traceback' not in untrusting.stderr, untrusting.stderr
    with pytest.raises(OSError):  # plain HTTP on the HTTPS port gets no answer
        urllib.request.urlopen(coordinator.url.replace('https:', 'http:') + '/health', timeout=5)


def test_a_key_that_does_not_load_is_refused_before_serving(serve, certificate, tmp_path):
    cert, _ = certificate
    coordinator = serve(workers=1)
    refused = coordinator.cli('serve', '--bind', '127.0.0.1:0', '--certfile', str(cert),
                              '--keyfile', str(tmp_path / 'missing.pem'))
    assert refused.returncode == 1
    assert 'cannot serve HTTPS with --certfile' in refused.stderr, refused.stderr
