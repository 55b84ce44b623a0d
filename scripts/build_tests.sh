#!/bin/sh
# Compiles the library and the test suite with tsc into .node_test/ (the same
# compiler options as the npm build), for `node --test`. Test fixtures are
# linked, not copied, so the compiled tests read the repository's own.
set -e
cd "$(dirname "$0")/.."
rm -rf .node_test
./node_modules/.bin/tsc -p tsconfig.test.json
ln -s ../../tests/fixtures .node_test/tests/fixtures
cp tests/llhttp_deviations.md .node_test/tests/ 2>/dev/null || true
