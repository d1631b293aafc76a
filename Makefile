# make demo / make test set everything up on a fresh machine: they create the virtualenv when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: venv demo test test-store store-deps test-faults bench lint clean

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

# The real-store tests (tests/realstore) need PHP 8.2 and MariaDB from Debian; installed here when missing.
STORE_PACKAGES := php8.2-cli php8.2-mysql php8.2-curl php8.2-gd php8.2-mbstring php8.2-xml php8.2-zip php8.2-intl \
	mariadb-server openssl

store-deps:
	@missing=""; for p in $(STORE_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; echo "installing:$$missing"; \
		$$sudo apt-get update -qq && \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

test-store: $(STAMP) store-deps
	$(BIN)/python -m pytest -q -m realstore

test-faults: $(STAMP)
	$(BIN)/python -m pytest -q -m faults

bench: $(STAMP)
	$(BIN)/python -m bench

# lint-imports checks the architecture: the contracts in pyproject.toml's [tool.importlinter].
lint: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check ruff mypy import-linter
	$(BIN)/ruff check wcrecall tests
	$(BIN)/ruff format --check wcrecall tests
	$(BIN)/mypy --strict wcrecall
	$(BIN)/lint-imports --no-cache

clean:
	rm -rf $(VENV) demo-outbox build *.egg-info
