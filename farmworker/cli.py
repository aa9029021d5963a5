"""`farmworker`: placeholder until the agent lands (see the issue "farmworker agents on Slurm")."""

import argparse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog='farmworker',
        description='The farmworker agent is not built yet. Until it is, run tasks with the '
                    'taskfarm-worker client (pip install taskfarm-worker) against /api/.')
    parser.parse_args(argv)
    parser.print_help()
    return 2
