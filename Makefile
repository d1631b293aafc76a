# make demo / make test set everything up on a fresh machine: they create the virtualenv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test test-faults bench lint clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "wcrecall needs Python 3.11 or newer")'
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/wcrecall demo --outbox demo-outbox

test: $(STAMP)
	$(BIN)/python -m pytest -q -m "not slow and not faults"

test-faults: $(STAMP)
	$(BIN)/python -m pytest -q -m faults

bench: $(STAMP)
	$(BIN)/python -m bench

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet ruff mypy
	$(BIN)/ruff check wcrecall tests
	$(BIN)/ruff format --check wcrecall tests
	$(BIN)/mypy --strict wcrecall

clean:
	rm -rf $(VENV) demo-outbox build *.egg-info
