# chuangcheng — the two commands: `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.12 2>/dev/null || echo $(HOME)/.pyenv/versions/3.12.1/bin/python)
VENV := .venv
PY := $(VENV)/bin/python
# production dependencies (requirements.lock) for the demo; + the test and lint tools
# (requirements-dev.lock, which includes the production lock) for everything else
PROD_STAMP := $(VENV)/.installed-prod-$(shell cat requirements.lock pyproject.toml | md5sum | cut -c1-8)
STAMP := $(VENV)/.installed-dev-$(shell cat requirements.lock requirements-dev.lock pyproject.toml | md5sum | cut -c1-8)
DEMO_ENV := CC_ENV=demo CC_DATABASE_URL=sqlite:///$(CURDIR)/var/demo.sqlite3
PORT ?= 8000

.PHONY: install install-prod demo test lint bench browser-deps pdf-deps clean

$(PROD_STAMP): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(PROD_STAMP)

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $(STAMP)

## install-prod: the production dependencies only (no test or lint tool)
install-prod: $(PROD_STAMP)

## install: production + development/test tools
install: $(STAMP)

## demo: install (production lock only), build the demo city on SQLite, start the web server and the task worker
demo: install-prod pdf-deps
	$(DEMO_ENV) $(PY) manage.py demo --port $(PORT)

## pdf-deps: Pango and a CJK font, which WeasyPrint needs for the Chinese PDFs (明白卡, 志愿服务证明);
## installed with apt when missing; without them a PDF answers 503 (no Pango) or prints boxes (no font)
pdf-deps:
	@{ ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && fc-list :lang=zh 2>/dev/null | grep -q . ; } || { \
	  echo "installing Pango and a CJK font for the PDFs (明白卡, 志愿服务证明)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei) >/dev/null \
	  || echo "could not install them (not root?): apt-get install libpango-1.0-0 libpangoft2-1.0-0 fonts-wqy-microhei"; }

browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium and a CJK font for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei) >/dev/null; }
	@command -v soffice >/dev/null 2>&1 || { \
	  echo "installing LibreOffice (Writer, Calc): the tests open the Word and Excel reports in it"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui libreoffice-calc-nogui) >/dev/null; }

## test: install, then the whole suite on PostgreSQL (browser tests in headless Chromium)
test: install browser-deps pdf-deps
	$(PY) manage.py makemigrations --check --dry-run >/dev/null
	$(PY) -m pytest -q -p no:cacheprovider --create-db

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy src config

bench: install
	$(PY) bench/run.py

clean:
	rm -rf $(VENV) var
