# The README's two commands are `make run` and `make test`; everything else is here for people who want it.
PY := .venv/bin/python

.PHONY: run test lint setup setup-test build serve check messages bench mutation clean

run: setup                ## set up, build the site, serve it with the form at http://127.0.0.1:8000/
	$(PY) -m forms_backend run

test: setup-test lint     ## set up (incl. Chromium, PostgreSQL, Java), check types and style, run the whole test suite
	@$(PY) -m pytest; status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest ran no tests: failing" >&2; exit 1; fi; exit $$status

lint: setup-test          ## types (mypy --strict), style (ruff lint and format, line length 120), layers (import-linter), as CI runs them
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy
	.venv/bin/lint-imports --no-logo

setup:
	scripts/setup.sh

setup-test:
	scripts/setup.sh --test

build: setup              ## build site/ only
	$(PY) build.py

serve: setup              ## live preview of the site while editing, at http://127.0.0.1:8001/
	$(PY) build.py serve

check: setup              ## every content check, warnings fatal (as CI would run it)
	$(PY) build.py check --strict

bench: setup-test         ## all benchmarks (minutes); each prints its table (docs/PERFORMANCE.md keeps the current figures)
	$(PY) -m bench.build
	$(PY) -m bench.speed_devices
	$(PY) -m bench.markets
	$(PY) -m bench.approvals
	$(PY) -m bench.form_submit
	$(PY) -m bench.staff_inbox
	$(PY) -m bench.staff_login

mutation: setup-test      ## mutation testing of the form's security modules (minutes; see docs/TESTING.md)
	rm -rf mutants
	.venv/bin/mutmut run --max-children 2
	.venv/bin/mutmut results --all true | .venv/bin/python scripts/mutation_scores.py

messages: setup           ## extract UI strings from templates and update every catalog
	.venv/bin/pybabel extract -F babel.cfg -o locales/messages.pot --no-location --sort-output --omit-header --project=memberpages --version=1 .
	.venv/bin/pybabel update -i locales/messages.pot -d locales --width=100 --ignore-obsolete --ignore-pot-creation-date

clean:
	rm -rf site data test-artifacts .pytest_cache mutants
