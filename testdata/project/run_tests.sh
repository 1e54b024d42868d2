#!/bin/sh
# Runs the unit tests from the project directory. Extra arguments go to
# unittest, e.g. ./run_tests.sh -v
cd "$(dirname "$0")" || exit 1
export PYTHONDONTWRITEBYTECODE=1
exec python3 -m unittest discover -s tests "$@"
