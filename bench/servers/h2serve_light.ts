/**
 * Peer "h2serve-light": our server with the opt-in lightweight global
 * Response installed (`installLightResponse()`), as its own column so the
 * default peer measures the default. Same environment as h2serve.ts; with
 * BENCH_WORKERS > 1 the workers run without it.
 *
 *     BENCH_PORT=8000 BENCH_PROTO=h1 bun bench/servers/h2serve_light.ts
 *
 * @module
 */
import { installLightResponse } from "../../mod.ts";

installLightResponse();
await import("./h2serve.ts");
