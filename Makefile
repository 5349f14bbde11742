# The two commands of the README. Each sets up the pinned environment first (tools/setup_env.sh, idempotent).
.PHONY: main test setup export

setup:
	@bash tools/setup_env.sh

# main job: regenerate every table and figure of the paper (nbs/reproduce_*.ipynb) on the embedded dataset, smoke
# profile, into figures/ (about 16 minutes on 2 CPU cores from empty results; runs are kept in results/ and reused)
main: setup
	.venv/bin/python tools/reproduce_all.py

# the test suite: clean the notebooks (nbdev_clean: what nbdev's save hook does), every notebook's tests (nbdev_test) and
# the cross-notebook tests (pytest)
test: setup
	.venv/bin/nbdev_clean
	.venv/bin/nbdev_test --n_workers 2 --skip_file_glob "reproduce_*"
	.venv/bin/python -m pytest -q tests

# after editing a notebook: regenerate gmm_adaptive/
export: setup
	.venv/bin/nbdev_export
