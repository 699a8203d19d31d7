# Halo: `make run` serves, `make test` tests, `make demo` loads demo data.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export FLASK_APP := wsgi

.PHONY: run test demo install install-dev migrate bench clean

$(VENV)/.installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

migrate: install
	$(FLASK) db upgrade

run: migrate
	$(FLASK) halo ensure-admin
	$(FLASK) halo serve

demo: migrate
	$(FLASK) halo ensure-admin
	$(FLASK) halo demo

test: install-dev
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: install-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV)
