# gocoach — two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint typecheck unit slow bench clean i18n i18n-compile
LOCALES := src/gocoach/locale
# the markers of interface texts (docs/i18n.md): msgids are symbolic keys; a subclass of
# store.refusals.Refusal joins the list
I18N_KEYWORDS := -k t -k translate -k N_ -k tn:1,1 -k translate_plural:1,1 -k Refusal:1 \
	-k Missing:1 -k AnswerError:1 -k BackupError:1 -k ModuleRejected:1

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

## run: install into .venv, migrate the SQLite database, load the curricula, serve on 127.0.0.1:8000
run: $(STAMP) i18n-compile
	$(BIN)/gocoach serve

## test: ruff, mypy, the import contracts and the whole test suite (Go-building and browser tests included)
test: $(DEV_STAMP) i18n-compile
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/pytest -q -n 2 --dist loadgroup

## unit: the fast tests only (no Go builds, no browser, no PostgreSQL)
unit: $(DEV_STAMP)
	$(BIN)/pytest -q -m "not slow and not browser and not postgres"

## i18n: extract the interface texts (messages.pot), merge them into the ru and en catalogs, compile
i18n: $(STAMP)
	$(BIN)/pybabel -q extract -F babel.cfg $(I18N_KEYWORDS) --no-location --sort-output \
		--width 100 --project gocoach --version 0.1.0 -o $(LOCALES)/messages.pot src/gocoach
	$(BIN)/pybabel -q update -i $(LOCALES)/messages.pot -d $(LOCALES) -D messages \
		--no-fuzzy-matching --width 100
	$(MAKE) i18n-compile

## i18n-compile: the .mo files from the .po catalogs (run, test and i18n do it)
i18n-compile: $(STAMP)
	$(BIN)/pybabel -q compile -d $(LOCALES) -D messages

bench: $(DEV_STAMP)
	for script in bench/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
