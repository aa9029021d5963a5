"""Long logs: sent only when a result's tail cut them, capped with a line saying what was cut,
and left to the result's tail when the coordinator does not take them."""

from farmworker import long_logs
from farmworker.client import Refused
from farmworker.executors import Finished, read_tail


class Recorder:
    """A client seam: records calls, or refuses them."""

    def __init__(self, refuse: bool = False):
        self.calls, self.refuse = [], refuse

    def call(self, method, path, body=None, **kwargs):
        if self.refuse:
            raise Refused(409, 'task 7 is not running at attempt 1 on this worker')
        self.calls.append((method, path, body))
        return {'kept_bytes': len(body['log'])}


def finished(tmp_path, text: str, tail_bytes: int = 16) -> Finished:
    path = tmp_path / 'task.log'
    path.write_text(text)
    return Finished(7, 1, 0, False, False, 0.1, path, read_tail(path, tail_bytes))


def test_a_log_its_tail_holds_whole_costs_no_request(tmp_path):
    client = Recorder()
    assert not long_logs.send(client, 'agent-1', finished(tmp_path, 'short\n'), 1000)
    assert client.calls == []


def test_a_cut_log_is_sent_up_to_the_cap_after_a_line_saying_what_was_cut(tmp_path):
    client = Recorder()
    text = ''.join(f'{n:04d}\n' for n in range(100))  # 500 bytes
    assert long_logs.send(client, 'agent-1', finished(tmp_path, text), 1000)
    assert client.calls == [('PUT', '/tasks/7/log',
                             {'worker_uuid': 'agent-1', 'attempt': 1, 'log': text})]
    assert long_logs.send(client, 'agent-1', finished(tmp_path, text), 100)
    assert client.calls[-1][2]['log'] == ('[farmworker: the first 400 bytes of this 500-byte '
                                          'log were cut; its last 100 bytes follow]\n'
                                          + text[-100:])


def test_a_log_the_coordinator_refuses_leaves_the_results_tail(tmp_path):
    assert not long_logs.send(Recorder(refuse=True), 'agent-1',
                              finished(tmp_path, 'x' * 100), 1000)
