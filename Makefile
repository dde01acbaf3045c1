# One command to run the app, one to run the tests. Both set everything up first.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PACKAGE_STAMP := $(VENV)/.installed-package

.PHONY: run test lint bench screenshots setup sysdeps clean package package-test

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

sysdeps:
	@bash packaging/system-deps.sh

setup: sysdeps $(STAMP)

# The desktop app on a demo vault in ./.home (no Ollama needed). Without a display it
# says how to use `serve` and `ask` instead.
run: setup
	HEALTHINSIGHT_HOME=$${HEALTHINSIGHT_HOME:-$(CURDIR)/.home} $(BIN)/healthinsight demo --open

# Two workers, a test file each (its module fixtures built once): the suite is mostly
# single-threaded Python, and this halves it on a 2-core machine.
test: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

lint: setup
	$(BIN)/ruff check .

bench: setup
	for b in tests/perf/*.py; do $(BIN)/python $$b; done

# PNGs of the desktop window (drawn offscreen on a throwaway demo vault) in ./screenshots/.
screenshots: setup
	QT_QPA_PLATFORM=offscreen $(BIN)/python packaging/screenshots.py

# The desktop build (packaging/README.md): dist/healthinsight-<version>-linux-x86_64.tar.gz,
# with its unpacked size and launch-to-window time. Takes minutes; not part of `test`.
$(PACKAGE_STAMP): $(STAMP)
	$(BIN)/python -m pip install -q -e '.[test,package]'
	touch $(PACKAGE_STAMP)

package: sysdeps $(PACKAGE_STAMP)
	$(BIN)/python packaging/build.py

# Smoke test of the built archive, unpacked and run with no Python environment.
package-test: $(PACKAGE_STAMP)
	$(BIN)/python packaging/smoke_test.py

clean:
	rm -rf $(VENV) .home build dist
