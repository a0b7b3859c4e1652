# FightRise web. `make run` serves the site, `make test` runs the whole suite; both set up
# .venv first. Needs Python 3.11 and make; `make test` also needs npm, to fetch axe-core for the
# browser tests' accessibility checks (pinned in tests/e2e/npm/package-lock.json).

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_DIR := tests/e2e/npm
NPM_STAMP := $(NPM_DIR)/node_modules/.installed

.PHONY: install npm run test lint format bench messages clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required (python3.11 or python3 on PATH)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is required; $(PYTHON) is older"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# npm ci installs exactly what the lock names and checks each package's integrity; again only
# when the lock changes.
npm: $(NPM_STAMP)

$(NPM_STAMP): $(NPM_DIR)/package.json $(NPM_DIR)/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required to fetch axe-core for the browser tests (apt-get install npm)"; exit 1; }
	npm ci --prefix $(NPM_DIR) --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $(NPM_STAMP)

run: $(STAMP)
	$(BIN)/python -m scripts.devserver

test: $(STAMP) $(NPM_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/python -m bench

# For translators: the catalogues up to date with the code, compiled, and what each still
# lacks (needs GNU gettext: apt-get install gettext). The .mo files are committed, so that
# a fresh clone and production need no gettext. `make messages LANGS="fr ja"` for some.
messages: $(STAMP)
	$(BIN)/python -m scripts.catalogues $(LANGS)

clean:
	rm -rf $(VENV) $(NPM_DIR)/node_modules staticfiles test-artifacts .pytest_cache .ruff_cache
