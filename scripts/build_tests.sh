#!/bin/sh
# Compiles the library and the test suite with tsc into .node_test/ (the same
# compiler options as the npm build), for `node --test`. Test fixtures are
# linked, not copied, so the compiled tests read the repository's own; the
# fixture scripts are compiled like the tests.
set -e
cd "$(dirname "$0")/.."
rm -rf .node_test
./node_modules/.bin/tsc -p tsconfig.test.json
# The fixture scripts (servers the tests spawn) are compiled beside the data.
mkdir -p .node_test/tests/fixtures
for f in tests/fixtures/*; do
  case "$f" in *.ts) continue ;; esac
  ln -s "../../../$f" ".node_test/tests/fixtures/$(basename "$f")"
done
# The docs, which tests/unit/state_docs_test.ts checks against the state tables.
ln -s ../docs .node_test/docs
cp tests/llhttp_deviations.md .node_test/tests/ 2>/dev/null || true
