#!/bin/sh
# The demo on Node (20 has no TypeScript stripping): compile examples/main.ts
# and the library with tsc into .node_examples/ (source maps on, so stack
# traces name the .ts lines), link the fixtures it reads, run it. A Node
# without URLPattern (< 23.8) gets urlpattern-polyfill (a dev dependency)
# preloaded, as the router's error tells users to do; URLPATTERN_POLYFILL
# names another copy of it.
set -e
cd "$(dirname "$0")/.."
rm -rf .node_examples
./node_modules/.bin/tsc -p tsconfig.examples.json
mkdir -p .node_examples/tests
ln -s ../../tests/fixtures .node_examples/tests/fixtures
if node -e 'process.exit(globalThis.URLPattern ? 0 : 1)'; then
  exec node --enable-source-maps .node_examples/examples/main.js
fi
exec node --enable-source-maps --import "${URLPATTERN_POLYFILL:-urlpattern-polyfill}" \
  .node_examples/examples/main.js
