# The two commands of the README: `make run` (the coordinator, on SQLite) and `make test`;
# `make bench` runs every benchmark (BENCH_ARGS=--quick for the short version).
PYTHON ?= python3
VENV ?= .venv

.PHONY: run test bench venv clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

run: venv
	VENV=$(VENV) scripts/run.sh

test: venv
	VENV=$(VENV) scripts/test.sh

bench: venv
	$(VENV)/bin/python -m tests.benchmarks all $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .bench farm-data
