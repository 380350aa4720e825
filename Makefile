# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
export FLASK_APP := app:create_app

.PHONY: run test setup db demo lint format translations translations-update clean

run: setup db demo
	$(FLASK) run --host 127.0.0.1 --port 5000

test: setup
	scripts/run-tests

setup: $(VENV)/.installed translations

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

db: setup
	$(FLASK) db upgrade

# The development CA and seal live in instance/signing/ (never in the repository); the demo
# protokoll is signed with them.
demo: db
	$(FLASK) signing init-dev
	$(FLASK) seed-demo

# The import rules (docs/architecture.md): import-linter's contracts in pyproject.toml, and no
# import inside a function without a reason (scripts/check-function-imports.py). The types:
# mypy on the modules pyproject.toml [tool.mypy] lists (docs/architecture.md "Types").
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) scripts/check-function-imports.py
	$(VENV)/bin/mypy

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Compiled catalogues are build output; the .po files are the source.
translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d translations --statistics

translations-update: setup
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -o translations/messages.pot --no-location --sort-output .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/sekretariat.db

# Benchmarks (bench/): never part of the tests. Installs wrk and qpdf when missing
# (scripts/bench-packages, as root) and prints every figure with its baseline ratio;
# docs/performance.md records them.
.PHONY: bench
bench: setup
	scripts/bench-packages
	$(PY) bench/pdf.py 5
	$(PY) bench/packet.py 3
	$(PY) bench/reading.py 10
	$(PY) bench/search_synthetic.py --bodies 30 --years 10 --rounds 5
	# Five times the volume (issue 15): seeding takes minutes, PostgreSQL's the longest.
	$(PY) bench/search_synthetic.py --bodies 150 --years 10 --rounds 3
	$(PY) bench/search.py 20
	$(PY) bench/signing.py 3
	$(PY) bench/secretary.py 3
