"""The benchmarks, and `python -m tests.benchmarks all|list`, which runs them into one table.

Each bench_*.py here is a standalone script (pytest does not collect this folder); the runner
starts each one as a subprocess and gathers the figures it writes with `--json`.
"""
