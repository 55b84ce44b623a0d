/**
 * Peer "ceiling-bun": the raw-socket ceiling on Bun.listen. Each data
 * callback is answered with one write of fixed bytes (see ceiling_core.ts for
 * what it understands); what the socket does not take at once waits for the
 * drain callback.
 *
 *     BENCH_PORT=8000 BENCH_PROTO=h1 bun bench/servers/ceiling_bun.ts
 *
 * @module
 */
import process from "node:process";
import { h1Responder, h2Responder, type Responder } from "./ceiling_core.ts";
import { serverEnv } from "./handler.ts";

/** Per-socket state. */
interface State {
  r: Responder;
  /** Bytes the socket has not taken yet. */
  pending: Uint8Array | null;
}

/** The part of Bun's socket used here (no bun-types in this repo). */
interface Sock {
  data: State;
  write(b: Uint8Array): number;
  setNoDelay?(on: boolean): void;
  end(): void;
}

declare const Bun: {
  listen(options: {
    hostname: string;
    port: number;
    socket: {
      open(s: Sock): void;
      data(s: Sock, chunk: Uint8Array): void;
      drain(s: Sock): void;
      error?(s: Sock, e: unknown): void;
    };
  }): { port: number };
};

const env = serverEnv(process.env);
if (env.proto === "h2") throw new Error("the ceiling speaks h1 and h2c only");
const responder = env.proto === "h1" ? h1Responder : h2Responder;

function send(s: Sock, out: Uint8Array): void {
  const st = s.data;
  if (st.pending !== null) {
    const both = new Uint8Array(st.pending.byteLength + out.byteLength);
    both.set(st.pending);
    both.set(out, st.pending.byteLength);
    st.pending = both;
    return;
  }
  const n = s.write(out);
  if (n < out.byteLength) st.pending = out.slice(Math.max(n, 0));
}

const server = Bun.listen({
  hostname: "127.0.0.1",
  port: env.port,
  socket: {
    open(s) {
      s.data = { r: responder(), pending: null };
      s.setNoDelay?.(true);
    },
    data(s, chunk) {
      const out = s.data.r.feed(chunk);
      if (out !== null) send(s, out);
    },
    drain(s) {
      const p = s.data.pending;
      if (p === null) return;
      s.data.pending = null;
      send(s, p);
    },
    error() {},
  },
});
console.log(`READY ${server.port}`);
