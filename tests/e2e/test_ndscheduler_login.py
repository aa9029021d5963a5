"""The login flow of ndscheduler's README, run with the real curl against a live coordinator:
log in with a form and keep the cookie jar, then add a job with the cookie."""

import shutil
import subprocess

import pytest

pytestmark = [pytest.mark.timeout(120),
              pytest.mark.skipif(shutil.which('curl') is None, reason='needs the curl binary')]

# the spec's two commands (ndscheduler-api.txt, "Authentication"), with this coordinator's URL
LOGIN = """curl --silent --output /dev/null \\
     --data-urlencode "username=user" \\
     --data-urlencode 'password=Very$ecret' \\
     --cookie-jar - '{url}/login' \\
     > my_cookie.txt"""
ADD_JOB = """curl --cookie my_cookie.txt \\
     -X POST \\
     --header "Content-Type:application/json" \\
     --data "{{\\"job_class_string\\": \\"simple_scheduler.jobs.sample_job.AwesomeJob\\", \\
              \\"name\\": \\"My first job\\", \\"minute\\": \\"*/1\\", \\
              \\"pub_args\\": [\\"arg1\\", 2]}}" \\
     {url}/api/v1/jobs"""


def shell(command: str, cwd) -> str:
    done = subprocess.run(['bash', '-c', command], cwd=cwd, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_specs_curl_login_then_cookie_post_adds_a_job(serve, tmp_path):
    coordinator = serve(workers=2)
    added = coordinator.cli('user', 'add', 'user', '--password-stdin', stdin='Very$ecret\n')
    assert added.returncode == 0, added.stderr
    shell(LOGIN.format(url=coordinator.url), tmp_path)
    jar = (tmp_path / 'my_cookie.txt').read_text()
    assert '#HttpOnly_127.0.0.1' in jar and 'farm_session' in jar, jar
    answer = shell(ADD_JOB.format(url=coordinator.url) + ' --silent --show-error', tmp_path)
    assert answer.startswith('{"job_id": "') and len(answer.split('"')[3]) == 32, answer
    listed = shell(f'curl --silent --cookie my_cookie.txt {coordinator.url}/api/v1/jobs',
                   tmp_path)
    assert '"My first job"' in listed and '"pub_args": ["arg1", 2]' in listed, listed
    logs = shell(f'curl --silent --cookie my_cookie.txt {coordinator.url}/api/v1/logs', tmp_path)
    assert '"user": "user"' in logs and '"event": "added"' in logs, logs


def test_curl_with_a_wrong_password_gets_no_cookie_and_its_cookie_post_is_refused(
        serve, tmp_path):
    coordinator = serve(workers=1)
    coordinator.cli('user', 'add', 'user', '--password-stdin', stdin='Very$ecret\n')
    shell(LOGIN.format(url=coordinator.url).replace('Very$ecret', 'guess'), tmp_path)
    assert 'farm_session' not in (tmp_path / 'my_cookie.txt').read_text()
    status = shell(ADD_JOB.format(url=coordinator.url)
                   + ' --silent --output /dev/null --write-out "%{http_code}"', tmp_path)
    assert status == '401'
