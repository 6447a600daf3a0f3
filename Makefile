# Two commands for a new user: `make run` and `make test`. Everything lives in .venv/.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell sha256sum requirements.txt | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8050

.PHONY: install data build run dev test bench clean

$(STAMP): requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Builds data/build/ when it is missing or older than its inputs.
data: install
	$(PY) -m loaders build --if-stale

# Forces a full rebuild.
build: install
	$(PY) -m loaders build

run: data
	HOST=$(HOST) PORT=$(PORT) $(VENV)/bin/gunicorn app:server --config gunicorn.conf.py

dev: data
	$(PY) app.py

test: data
	$(PY) -m pytest

bench: data
	for script in bench/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf data/build data/build.tmp data/build.old
