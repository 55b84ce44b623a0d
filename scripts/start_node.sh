#!/bin/sh
# An example on Node (20 has no TypeScript stripping): compile the examples
# listed in tsconfig.examples.json and the library with tsc into
# .node_examples/ (source maps on, so stack traces name the .ts lines), link
# the fixtures they read, run one. The first argument names it (default
# main, the demo); the rest go to it:
#   npm run start:node                              # examples/main.ts
#   npm run example:node -- sans_io_server 8080     # examples/sans_io_server.ts 8080
# A Node without URLPattern (< 23.8) gets urlpattern-polyfill (a dev
# dependency) preloaded, as the router's error tells users to do;
# URLPATTERN_POLYFILL names another copy of it.
set -e
cd "$(dirname "$0")/.."
name="${1:-main}"
[ $# -gt 0 ] && shift
case "$name" in
  "" | *[!A-Za-z0-9_]*) echo "start_node.sh: bad example name '$name'" >&2; exit 2 ;;
esac
if ! grep -q "\"examples/$name.ts\"" tsconfig.examples.json; then
  echo "start_node.sh: examples/$name.ts is not in tsconfig.examples.json" >&2
  exit 2
fi
rm -rf .node_examples
./node_modules/.bin/tsc -p tsconfig.examples.json
mkdir -p .node_examples/tests
ln -s ../../tests/fixtures .node_examples/tests/fixtures
if node -e 'process.exit(globalThis.URLPattern ? 0 : 1)'; then
  exec node --enable-source-maps ".node_examples/examples/$name.js" "$@"
fi
exec node --enable-source-maps --import "${URLPATTERN_POLYFILL:-urlpattern-polyfill}" \
  ".node_examples/examples/$name.js" "$@"
