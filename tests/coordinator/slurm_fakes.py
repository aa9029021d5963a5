"""A fake Slurm for allocator tests: sbatch, squeue, sacct and scancel answered in process."""

import subprocess


class FakeSlurm:
    """Callable like subprocess.run for the allocator's Slurm calls; records each call.

    `states` is what squeue shows (job id -> Slurm state); a submitted job is PENDING until
    a test changes it. `sbatch_error`, when set, is the message sbatch fails with.
    """

    def __init__(self, first_job_id: int = 1001):
        self.calls: list[tuple[list[str], dict, str | None]] = []
        self.states: dict[str, str] = {}
        self.next_id = first_job_id
        self.sbatch_error: str | None = None
        self.accounting = False

    def __call__(self, argv, *, env=None, input=None, timeout=None, **_):
        self.calls.append((list(argv), dict(env or {}), input))
        command = argv[0]
        if command == 'sbatch':
            if self.sbatch_error:
                return self._done(argv, 1, stderr=f'sbatch: error: {self.sbatch_error}\n')
            job_id, self.next_id = str(self.next_id), self.next_id + 1
            self.states[job_id] = 'PENDING'
            return self._done(argv, 0, stdout=f'{job_id}\n')
        if command == 'squeue':
            wanted = argv[-1].removeprefix('--jobs=').split(',')
            lines = [f'{job}|{self.states[job]}|None' for job in wanted if job in self.states]
            return self._done(argv, 0, stdout=''.join(line + '\n' for line in lines))
        if command == 'sacct':
            if not self.accounting:
                return self._done(argv, 1, stderr='sacct: error: accounting storage is disabled')
            return self._done(argv, 0)
        if command == 'scancel':
            for job in argv[1:]:
                self.states.pop(job, None)
            return self._done(argv, 0)
        raise FileNotFoundError(command)

    @staticmethod
    def _done(argv, code, stdout='', stderr=''):
        return subprocess.CompletedProcess(argv, code, stdout, stderr)

    def commands(self, name: str) -> list[tuple[list[str], dict, str | None]]:
        return [call for call in self.calls if call[0][0] == name]

    def submitted(self) -> int:
        return len([call for call in self.commands('sbatch')])
