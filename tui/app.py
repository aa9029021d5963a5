"""`farm-tui`: placeholder until the dashboard lands (see the issue "Textual dashboard")."""

import argparse


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog='farm-tui',
        description='The dashboard is not built yet. Until it is, `manageTF -l` and '
                    '`manageTF -i UUID` (from taskfarm-worker) show runs and their progress.')
    parser.parse_args(argv)
    parser.print_help()
    return 2
