# Halo: `make run` serves, `make test` tests, `make demo` loads demo data.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
export FLASK_APP := wsgi
# TRANSLATE=1 adds the offline translation extra (argostranslate and CTranslate2, no torch).
TRANSLATE ?=
# S3=1 adds boto3 for HALO_STORAGE=s3 (attachments and avatars in an S3-compatible bucket).
S3 ?=
EXTRAS := $(if $(TRANSLATE),install-translate) $(if $(S3),install-s3)

.PHONY: run test mutate demo install install-dev install-translate install-s3 migrate bench clean

# Python 3.11 or newer, checked before a virtualenv is made (an older one fails deep in pip);
# a virtualenv left by an older Python is made anew rather than reused.
PY_CHECK := import sys; sys.exit(sys.version_info < (3, 11))

$(VENV)/.installed: requirements.txt
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -c '$(PY_CHECK)' 2>/dev/null; then \
	  echo "Removing $(VENV): it was made with a Python older than 3.11."; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -c '$(PY_CHECK)' 2>/dev/null || { echo "Halo needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1 | head -n 1). Run: make PYTHON=python3.11 (or a newer python3)." >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements-s3.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# argostranslate without its declared dependencies: stanza would pull torch (a CUDA build
# of several GB from the public index); what it really runs on is requirements-translate.txt.
$(VENV)/.installed-translate: requirements-translate.txt requirements-translate-nodeps.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-translate.txt
	$(BIN)/pip install -q --no-deps -r requirements-translate-nodeps.txt
	touch $@

$(VENV)/.installed-s3: requirements-s3.txt $(VENV)/.installed
	$(BIN)/pip install -q -r requirements-s3.txt
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev
install-translate: $(VENV)/.installed-translate
install-s3: $(VENV)/.installed-s3

migrate: install $(EXTRAS)
	$(FLASK) db upgrade

run: migrate
	$(FLASK) halo ensure-admin
	$(FLASK) halo recount
	$(FLASK) halo serve

demo: migrate
	$(FLASK) halo ensure-admin
	$(FLASK) halo demo

# -rs: every skip says why (a missing Redis, Chromium, dovecot or translation extra).
test: install-dev $(EXTRAS)
	$(BIN)/python -m pytest -q -rs $(PYTEST_ARGS)

# Mutation run over the core rules, outside the normal suite (tens of minutes; see
# tests/README.md). MUTATE_GROUPS=guard (or tickets, threading, chat, conversation) runs one group.
MUTATE_VENV := test-artifacts/mutate/venv
$(MUTATE_VENV)/.installed: requirements.txt requirements-mutate.txt
	test -x $(MUTATE_VENV)/bin/python || $(PYTHON) -m venv $(MUTATE_VENV)
	$(MUTATE_VENV)/bin/pip install -q -r requirements-mutate.txt
	touch $@

mutate: $(MUTATE_VENV)/.installed
	$(MUTATE_VENV)/bin/python tests/mutate.py $(MUTATE_GROUPS)

bench: install-dev
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV)
