"""Tasks as subprocesses, N at a time: start, poll without blocking, time out, drain, progress."""

# Each task runs in its own session, so it is one process group: signalling the group kills a
# task that forks (`sh -c 'sleep 100 & wait'`) as a whole, where signalling the pid would leave
# the children running in the next task's slot. A process that calls setsid() itself leaves
# the group and cannot be followed this way; only a cgroup (Slurm's, at job end) catches that.
#
# Nothing here waits or sleeps: the agent loop calls poll() and progress() between its own
# requests, and every timer runs on the injected clock.

import contextlib
import dataclasses
import errno
import json
import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from farmworker.seed_outputs import OUTPUTS_FILES

PROGRESS_FILE = 'progress'
# What an earlier attempt left in a reused task dir that would pass for this attempt's:
# its progress, and the outputs file a job's result is collected from.
LEFTOVERS = (PROGRESS_FILE, *OUTPUTS_FILES)
# What a shell answers for a command it cannot find or run, so users read it the same way.
CANNOT_RUN_EXIT_CODE = 127
# Why exec() of the task's own command fails: the task's fault, reported as its exit. Other
# OSErrors from Popen (fork failing with EAGAIN or ENOMEM, out of file descriptors) are the
# node's, and propagate so the agent can hand the task back instead of failing it.
_EXEC_ERRNOS = frozenset({errno.ENOENT, errno.EACCES, errno.EPERM, errno.ENOEXEC,
                          errno.ENOTDIR, errno.ELOOP, errno.ENAMETOOLONG, errno.E2BIG})
# Progress is a few words; bounds keep a runaway writer from swelling every heartbeat.
_PROGRESS_MAX_BYTES = 64 * 1024
MESSAGE_MAX_CHARS = 1024
# What the coordinator cannot store: NUL (PostgreSQL refuses it in text) and lone surrogates
# (not Unicode: Python's stand-ins for undecodable bytes, as in argv, or a JSON '\udcff').
_UNSTORABLE = re.compile('[\x00\ud800-\udfff]')


@dataclasses.dataclass(frozen=True)
class Finished:
    """One task's end, as the agent reports it."""

    number: int
    attempt: int
    exit_code: int | None  # None: killed by a signal we sent, or unknown; -N: killed by signal N
    timed_out: bool  # we signalled it because it passed its timeout
    terminated: bool  # we signalled it for terminate_all / kill_all (a drain or an exit)
    duration_s: float
    log_path: Path
    log_tail: str  # the last tail_bytes of the log, so a result stays small
    exit_unknown: bool = False  # another process reaped it: exit_code is None, not a success


@dataclasses.dataclass(frozen=True)
class Progress:
    percent: float
    msg: str | None


class _Child:
    """A task's leader process: its pid, and its exit once reaped."""

    __slots__ = ('pid', 'ended', 'returncode')

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ended = False
        # once ended: negative if killed by that signal, as with Popen; None if unknown
        self.returncode: int | None = None

    def has_ended(self) -> bool:
        """Whether the process has exited, reaping it if so; never waits."""
        if not self.ended:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped by someone else (SIGCHLD ignored): exit unknown
                self.ended = True
            else:
                if pid:
                    self.ended, self.returncode = True, os.waitstatus_to_exitcode(status)
        return self.ended


def _prepare_task_dir(task_dir: str) -> str:
    """Make the task's scratch dir and return its progress file's path (plain str: per poll)."""
    progress_path = os.path.join(task_dir, PROGRESS_FILE)
    try:
        os.mkdir(task_dir)
    except FileExistsError:  # an earlier attempt's (a retry on this node)
        for name in LEFTOVERS:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(task_dir, name))
    except FileNotFoundError:  # the first task of a run: its parent is new too
        os.makedirs(task_dir, exist_ok=True)
    return progress_path


def _open_log(path: Path):
    """The log open for appending; its directory is made only when missing (a syscall per task)."""
    try:
        return open(path, 'ab')
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        return open(path, 'ab')


def _spawn(argv: list[str], env: dict[str, str], log_fd: int, cwd: str | None) -> _Child:
    """Start argv (found on the PATH) in a new session, stdin from /dev/null, output to log_fd,
    in the agent's directory or `cwd`."""
    if cwd is not None:
        # posix_spawn cannot change directory (Python has no chdir file action); subprocess's
        # vfork child can, at posix_spawn's cost, where a shell doing the `cd` cost a second
        # exec per task
        popen = subprocess.Popen(argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                 stdout=log_fd, stderr=log_fd, start_new_session=True,
                                 restore_signals=True)
        # reaped by _Child like any task: the Popen, told it is done, never waits for the pid
        # when it is collected (by then the pid may be a later task's)
        popen.returncode = 0
        return _Child(popen.pid)
    actions = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
               (os.POSIX_SPAWN_DUP2, log_fd, 1), (os.POSIX_SPAWN_DUP2, log_fd, 2)]
    # Python ignores SIGPIPE and SIGXFSZ; a task must get the defaults a shell would give it.
    # The agent's other descriptors are close-on-exec (PEP 446), so the task inherits none.
    return _Child(os.posix_spawnp(argv[0], argv, env, file_actions=actions, setsid=True,
                                  setsigdef=(signal.SIGPIPE, signal.SIGXFSZ)))


@dataclasses.dataclass(eq=False)
class _Task:
    number: int
    attempt: int
    log_path: Path
    progress_path: str  # the task dir's progress file, stat()ed at every poll
    started_s: float
    deadline_s: float | None
    process: _Child | None  # None: it could not be started
    why: str | None = None  # 'timeout' or 'terminate' once we signal it
    sent: set[int] = dataclasses.field(default_factory=set)  # signals we sent its group
    term_sent_s: float | None = None
    progress_stamp: tuple[int, int, int] | None = None
    progress: Progress | None = None


class SubprocessExecutor:
    """Runs tasks as process groups, logging to log_dir / 'task-NUMBER.ATTEMPT.log'.

    The agent decides how many run at once; len() counts the tasks started and not yet
    reported by poll() (a slot stays taken until its Finished is handed over).
    """

    def __init__(self, log_dir: Path, tail_bytes: int = 16 * 1024, kill_grace_s: float = 5.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        if tail_bytes < 0 or not kill_grace_s >= 0:
            raise ValueError('need tail_bytes >= 0 and kill_grace_s >= 0')
        self.log_dir = Path(log_dir)
        self.tail_bytes = tail_bytes
        self.kill_grace_s = kill_grace_s
        self._clock = clock
        self._tasks: dict[tuple[int, int], _Task] = {}

    def start(self, number: int, attempt: int, argv: list[str], env: dict[str, str],
              task_dir: str | Path, timeout_s: float | None, cwd: str | None = None) -> None:
        """Start one task, in the agent's directory or `cwd`; a command that cannot be run is
        reported by the next poll()."""
        if (number, attempt) in self._tasks:
            raise ValueError(f'task {number} attempt {attempt} is already running')
        if not argv:
            raise ValueError('empty argv')
        if timeout_s is not None and not timeout_s > 0:
            raise ValueError(f'timeout_s must be positive or None, not {timeout_s!r}')
        progress_path = _prepare_task_dir(os.fspath(task_dir))
        log_path = self.log_dir / f'task-{number}.{attempt}.log'
        started_s = self._clock()
        with _open_log(log_path) as log:  # the child keeps its own copy of the descriptor
            try:
                # cwd stays the agent's unless the family says otherwise: HPC users expect
                # their job's launch directory, IronWorker code its own (code_packages.py).
                process = _spawn(argv, env, log.fileno(), cwd)
            except OSError as exc:
                if exc.errno not in _EXEC_ERRNOS:
                    raise
                log.write(f'farmworker: cannot run task {number}: {exc}\n'.encode())
                process = None
        deadline_s = None if timeout_s is None else started_s + timeout_s
        self._tasks[number, attempt] = _Task(number, attempt, log_path, progress_path, started_s,
                                             deadline_s, process)

    def poll(self) -> list[Finished]:
        """Reap what has ended and advance timeouts and kills; never waits."""
        now = self._clock()
        finished = []
        for key, task in list(self._tasks.items()):
            if self._step(task, now):
                finished.append(self._finish(task, now))
                del self._tasks[key]
        return finished

    def progress(self) -> dict[tuple[int, int], Progress]:
        """Progress that running tasks wrote since the last call, by (number, attempt)."""
        changed = {}
        for key, task in self._tasks.items():
            path = task.progress_path
            try:
                stat = os.stat(path)
            except OSError:
                continue
            # Each write is a new file (os.replace), so the stamp changes with every write and
            # an unchanged stamp spares a read, which is dearer on a parallel file system.
            stamp = (stat.st_ino, stat.st_mtime_ns, stat.st_size)
            if stamp == task.progress_stamp:
                continue
            task.progress_stamp = stamp
            value = read_progress(path)
            if value is not None and value != task.progress:
                task.progress = changed[key] = value
        return changed

    def running(self) -> list[tuple[int, int]]:
        """(number, attempt) of the tasks started and not yet reported by poll()."""
        return list(self._tasks)

    def __len__(self) -> int:
        return len(self._tasks)

    def terminate_all(self) -> None:
        """Drain: SIGTERM every task now; poll() sends SIGKILL kill_grace_s later."""
        self.terminate(list(self._tasks))

    def terminate(self, keys) -> None:
        """SIGTERM the tasks (number, attempt) named; poll() sends SIGKILL kill_grace_s later."""
        now = self._clock()
        for key in keys:
            task = self._tasks.get(tuple(key))
            if (task is not None and task.process is not None and task.why is None
                    and not task.process.has_ended()):
                self._signal(task, signal.SIGTERM, 'terminate', now)

    def kill_all(self) -> None:
        """SIGKILL every task now, for an agent on its way out; poll() then reports them."""
        now = self._clock()
        for task in self._tasks.values():
            if task.process is None or signal.SIGKILL in task.sent:
                continue
            if not task.process.has_ended() or task.sent:  # alive, or its group still is
                self._signal(task, signal.SIGKILL, 'terminate', now)

    def _step(self, task: _Task, now: float) -> bool:
        """Advance one task's timeout and kill timers; True once it can be reported."""
        if task.process is None:
            return True
        grace_over = (task.term_sent_s is not None and signal.SIGKILL not in task.sent
                      and now >= task.term_sent_s + self.kill_grace_s)
        if not task.process.has_ended():
            if task.why is None and task.deadline_s is not None and now >= task.deadline_s:
                self._signal(task, signal.SIGTERM, 'timeout', now)
            elif grace_over:
                self._signal(task, signal.SIGKILL, task.why, now)
            return False
        # The leader has exited. Unsignalled, that is the end of the task. Signalled, the rest
        # of its group keeps the grace: a shell wrapper dies of SIGTERM at once while the
        # program it ran may still be writing a checkpoint. (Orphans that are zombies count as
        # alive until init reaps them, so where it does not, this lasts the whole grace.)
        return (not task.sent or signal.SIGKILL in task.sent or grace_over
                or not _group_alive(task.process.pid))

    def _signal(self, task: _Task, signum: int, why: str | None, now: float) -> None:
        assert task.process is not None
        task.why = task.why or why
        if signum == signal.SIGTERM:
            task.term_sent_s = now
        task.sent.add(signum)
        _killpg(task.process.pid, signum)

    def _finish(self, task: _Task, now: float) -> Finished:
        exit_code: int | None = CANNOT_RUN_EXIT_CODE
        if task.process is not None:
            # Whatever the task left behind in its group would outlive it in a freed slot.
            _killpg(task.process.pid, signal.SIGKILL)
            exit_code = task.process.returncode
            if exit_code is not None and exit_code < 0 and -exit_code in task.sent:
                exit_code = None
        return Finished(
            number=task.number, attempt=task.attempt, exit_code=exit_code,
            timed_out=task.why == 'timeout', terminated=task.why == 'terminate',
            duration_s=now - task.started_s, log_path=task.log_path,
            log_tail=read_tail(task.log_path, self.tail_bytes),
            exit_unknown=task.process is not None and task.process.returncode is None)


def _killpg(pgid: int, signum: int) -> None:
    # The group's id is the leader's pid, which the kernel does not hand out again while any
    # member (even a zombie) still uses it as a group id.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signum)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal still exists
        return True
    return True


def read_tail(path: Path, limit_bytes: int) -> str:
    """The last `limit_bytes` of a file as text; '' when it cannot be read."""
    try:
        with open(path, 'rb') as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - limit_bytes))
            data = file.read(limit_bytes)
    except OSError:
        return ''
    if size > limit_bytes:  # cut inside a UTF-8 sequence: drop its stray continuation bytes
        skip = 0
        while skip < min(3, len(data)) and data[skip] & 0xC0 == 0x80:
            skip += 1
        data = data[skip:]
    # Decoding with 'replace' leaves no lone surrogate, only NUL to replace (a regex over the
    # 16 KiB tail, as for messages, cost ~250 us where this costs ~0.2 us).
    return data.decode('utf-8', errors='replace').replace('\x00', '\ufffd')


def storable_text(text: str) -> str:
    """`text` with each character the coordinator cannot store replaced by U+FFFD.

    A progress message is whatever the task wrote, and a result carrying what cannot be
    stored is refused.
    """
    return _UNSTORABLE.sub('\ufffd', text)


def write_progress(task_dir: Path, percent: float, msg: str | None = None) -> None:
    """Record a task's progress for its agent, atomically (a reader never sees half a file)."""
    if isinstance(percent, bool) or not isinstance(percent, int | float):
        raise TypeError(f'percent must be a number, not {percent!r}')
    if not 0 <= percent <= 100:  # also refuses NaN
        raise ValueError(f'percent must be between 0 and 100, not {percent!r}')
    if msg is not None and not isinstance(msg, str):
        raise TypeError(f'msg must be a string or None, not {msg!r}')
    if msg is not None:
        msg = msg[:MESSAGE_MAX_CHARS]
    payload = json.dumps({'percent': float(percent), 'msg': msg}).encode()
    task_dir = Path(task_dir)
    # A unique temporary name, so concurrent writers inside one task cannot clash.
    fd, tmp = tempfile.mkstemp(dir=task_dir, prefix='.progress.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as file:
            file.write(payload)
        os.replace(tmp, task_dir / PROGRESS_FILE)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def read_progress(path: str | Path) -> Progress | None:
    """The progress in a file written by write_progress; None if unreadable or garbled."""
    try:
        with open(path, 'rb') as file:
            raw = file.read(_PROGRESS_MAX_BYTES + 1)
        if len(raw) > _PROGRESS_MAX_BYTES:
            return None
        data = json.loads(raw.decode('utf-8', errors='replace'))
    except (OSError, ValueError, RecursionError):  # RecursionError: '[[[[...' nested deep
        return None
    if not isinstance(data, dict):
        return None
    percent, msg = data.get('percent'), data.get('msg')
    if isinstance(percent, bool) or not isinstance(percent, int | float):
        return None
    if not 0 <= percent <= 100 or not (msg is None or isinstance(msg, str)):
        return None
    return Progress(float(percent), None if msg is None else storable_text(msg[:MESSAGE_MAX_CHARS]))
