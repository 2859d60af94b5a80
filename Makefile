PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install clean

$(BIN)/kg: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(BIN)/kg

install: $(BIN)/kg

demo: install
	$(BIN)/kg build seeds -o out/graph.ttl
	$(BIN)/kg viz out/graph.ttl -o out/graph.html
	$(BIN)/kg timeline out/graph.ttl --html -o out/timeline.html
	$(BIN)/kg timeline out/graph.ttl
	$(BIN)/kg summary out/graph.ttl

test: install
	$(BIN)/python -m pytest

clean:
	rm -rf out .pytest_cache
