/**
 * Option names of Deno.serve and Bun.serve that h2serve spells differently
 * or does another way: the unknown-option error says where they went.
 *
 * @module
 */

/**
 * The hint for each foreign option name, keyed by that name.
 */
export const MIGRATION_HINTS: ReadonlyMap<string, string> = new Map([
  ["cert", "Deno.serve's top-level cert and key go in tls here: serve({ tls: { cert, key } })"],
  ["key", "Deno.serve's top-level cert and key go in tls here: serve({ tls: { cert, key } })"],
  ["handler", "Deno.serve's handler is fetch here: serve({ fetch }) or serve(options, handler)"],
  ["unix", "Bun's unix is path here: serve({ path })"],
  [
    "idleTimeout",
    "Bun's idleTimeout (seconds) is http1.keepAliveTimeout and http2.idleTimeout here (ms); " +
    "a slow request is bounded by http1.headersTimeout and http1.bodyTimeout",
  ],
  [
    "maxRequestBodySize",
    "Bun's maxRequestBodySize is http1.maxBodyBytes and http2.maxBodyBytes here",
  ],
  [
    "websocket",
    "WebSockets are not a serve() option here: in the handler, " +
    "`const { socket, response } = upgradeWebSocket(req)`, set socket.onmessage, return response",
  ],
  ["error", "Bun's error handler is onError here"],
  ["development", "Bun's development is debug here (one line per client protocol error)"],
  ["routes", "routes are not a serve() option here: use router() and pass app.fetch"],
]);
