# The two commands of the README. Each sets up the pinned environment first (tools/setup_env.sh, idempotent).
.PHONY: main test setup export

setup:
	@bash tools/setup_env.sh

# main job on the embedded dataset (CPU, minutes)
main: setup
	.venv/bin/gmm-adaptive train --dataset synthetic --method gmm --seed 0

# the test suite: every notebook's tests (nbdev_test) and the cross-notebook tests (pytest)
test: setup
	.venv/bin/nbdev_test --n_workers 2 --skip_file_glob "reproduce_*"
	.venv/bin/python -m pytest -q tests

# after editing a notebook: regenerate gmm_adaptive/
export: setup
	.venv/bin/nbdev_export
