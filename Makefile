# Benchmate: `make run` to start, `make test` to check. Both install what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run console test bench lint install migrate seed clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(BIN)/benchmate db upgrade

seed: migrate
	$(BIN)/benchmate demo seed

run: seed
	$(BIN)/benchmate serve

console: seed
	$(BIN)/benchmate console

test: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	@for bench in benchmarks/bench_*.py; do echo "== $$bench"; $(BIN)/python $$bench || exit 1; done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) *.egg-info benchmate.db benchmate.db-wal benchmate.db-shm benchmate.db-dispatch.lock benchmate.db-writer.lock
