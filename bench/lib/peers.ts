/**
 * The servers compared: ours on three runtimes and the runtimes' own servers.
 * Each is one script in bench/servers started as its own pinned process.
 *
 * @module
 */
import type { Proto } from "./types.ts";

/** Paths the peers need, resolved by run.ts from the repository root. */
export interface Toolchain {
  root: string;
  deno: string;
  bun: string;
  node: string;
  /** Where a peer may put build output (the Node server's transpiled script). */
  cacheDir: string;
  /**
   * Another checkout whose servers the `*-before` peers run (`--before DIR`), for
   * same-run before/after ratios of a change; absent: those peers are n/a.
   */
  beforeRoot?: string;
}

/** A server under test. */
export interface Peer {
  /** Short id used on the command line (--servers) and in the JSON. */
  id: string;
  /** Column heading. */
  label: string;
  /** True for our own server. */
  ours: boolean;
  /** The runtime it runs on (groups ours with its same-runtime peer); nginx is C. */
  runtime: "deno" | "bun" | "node" | "nginx";
  /** Protocols it is expected to speak; others are reported "n/a". */
  protos: readonly Proto[];
  /** The command line (unpinned; the harness adds setsid/taskset). */
  argv(t: Toolchain): string[];
  /** Optional one-time preparation, e.g. transpiling; returns an error text on failure. */
  prepare?(t: Toolchain): Promise<string | undefined>;
  /**
   * For a peer that answers only some scenarios (the ceilings): which ones, per
   * protocol. Other cells are reported "n/a". Absent: every scenario.
   */
  scenarios?: Partial<Record<Proto, readonly string[]>>;
}

/** Why a peer does not take part in a cell, or undefined when it does. */
export function notServed(peer: Peer, scenario: string, proto: Proto): string | undefined {
  if (peer.scenarios === undefined) return undefined;
  const list = peer.scenarios[proto] ?? [];
  return list.includes(scenario)
    ? undefined
    : `${peer.label} answers only ${
      Object.entries(peer.scenarios).map(([p, s]) => `${p}: ${s.join(",")}`).join("; ")
    }`;
}

/**
 * What the ceilings answer: fixed bytes for GET / and GET /64k on HTTP/1.1;
 * on h2c only GET / (without HPACK decoding the path is unknown).
 */
const CEILING_SCENARIOS: Partial<Record<Proto, readonly string[]>> = {
  h1: ["hello", "64k"],
  h2c: ["hello"],
};

const ALL: readonly Proto[] = ["h1", "h2c", "h2"];

/** What the nginx anchor answers: hello and the 100 KB JSON (a static file), HTTP/1.1 only. */
const NGINX_SCENARIOS: Partial<Record<Proto, readonly string[]>> = {
  h1: ["hello", "json", "json-gzip", "busy-gzip", "busy-identity"],
};

/** Writes the bench JSON where bench/servers/nginx.sh serves it from. */
async function prepareNginx(t: Toolchain): Promise<string | undefined> {
  const found = await new Deno.Command("sh", {
    args: ["-c", "command -v nginx || ls /usr/sbin/nginx"],
  })
    .output().catch(() => null);
  if (found === null || !found.success) {
    return "nginx is not installed (apt-get install nginx-light)";
  }
  const { JSON_100K } = await import("../servers/json_body.ts");
  await Deno.writeTextFile(`${t.cacheDir}/nginx.json`, JSON_100K);
  return undefined;
}

/** A `-before` peer: our server from the `--before` checkout, or n/a without one. */
function beforeArgv(t: Toolchain, argv: (root: string) => string[]): string[] {
  if (t.beforeRoot === undefined) throw new Error("no --before checkout");
  return argv(t.beforeRoot);
}

/**
 * Node 20 cannot strip types: a server script is bundled for Node with Bun's
 * bundler (no download needed) into the cache dir. Returns an error text on failure.
 */
async function bundleForNode(
  t: Toolchain,
  script: string,
  outName: string,
): Promise<string | undefined> {
  const out = await new Deno.Command(t.bun, {
    args: [
      "build",
      "--target",
      "node",
      "--outfile",
      `${t.cacheDir}/${outName}`,
      `${t.root}/${script}`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output().catch((e) => ({ success: false, stderr: new TextEncoder().encode(String(e)) }));
  return out.success
    ? undefined
    : `bun build failed: ${new TextDecoder().decode(out.stderr).slice(0, 300)}`;
}

/** Every peer, in table order. */
export const PEERS: readonly Peer[] = [
  {
    id: "h2serve-deno",
    label: "h2serve (Deno)",
    ours: true,
    runtime: "deno",
    protos: ALL,
    // --unstable-net: SO_REUSEPORT, used when BENCH_WORKERS > 1.
    argv: (t) => [t.deno, "run", "-A", "--unstable-net", `${t.root}/bench/servers/h2serve.ts`],
  },
  {
    id: "h2serve-bun",
    label: "h2serve (Bun)",
    ours: true,
    runtime: "bun",
    protos: ALL,
    argv: (t) => [t.bun, `${t.root}/bench/servers/h2serve.ts`],
  },
  {
    // The opt-in light Response (installLightResponse()), apart from the default column.
    id: "h2serve-deno-light",
    label: "h2serve light (Deno)",
    ours: true,
    runtime: "deno",
    protos: ALL,
    argv: (
      t,
    ) => [t.deno, "run", "-A", "--unstable-net", `${t.root}/bench/servers/h2serve_light.ts`],
  },
  {
    id: "h2serve-bun-light",
    label: "h2serve light (Bun)",
    ours: true,
    runtime: "bun",
    protos: ALL,
    argv: (t) => [t.bun, `${t.root}/bench/servers/h2serve_light.ts`],
  },
  {
    // TLS without a handshake bound (tlsHandshakeTimeout: 0): Deno.listenTls instead of node:tls.
    // Only its h2 (TLS) cells differ from h2serve-deno; `env` execs, so the pid stays the server's.
    id: "h2serve-deno-unbounded",
    label: "h2serve unbounded TLS (Deno)",
    ours: true,
    runtime: "deno",
    protos: ["h2"],
    argv: (t) => [
      "env",
      "BENCH_TLS_UNBOUNDED=1",
      t.deno,
      "run",
      "-A",
      "--unstable-net",
      `${t.root}/bench/servers/h2serve.ts`,
    ],
  },
  {
    id: "h2serve-node",
    label: "h2serve (Node)",
    ours: true,
    runtime: "node",
    protos: ALL,
    argv: (t) => [t.node, `${t.cacheDir}/h2serve_node_server.mjs`],
    prepare: (t) => bundleForNode(t, "bench/servers/h2serve.ts", "h2serve_node_server.mjs"),
  },
  {
    id: "h2serve-deno-before",
    label: "h2serve before (Deno)",
    ours: true,
    runtime: "deno",
    protos: ALL,
    argv: (t) =>
      beforeArgv(
        t,
        (r) => [t.deno, "run", "-A", "--unstable-net", `${r}/bench/servers/h2serve.ts`],
      ),
    prepare: (t) => Promise.resolve(t.beforeRoot ? undefined : "no --before DIR given"),
  },
  {
    id: "h2serve-bun-before",
    label: "h2serve before (Bun)",
    ours: true,
    runtime: "bun",
    protos: ALL,
    argv: (t) => beforeArgv(t, (r) => [t.bun, `${r}/bench/servers/h2serve.ts`]),
    prepare: (t) => Promise.resolve(t.beforeRoot ? undefined : "no --before DIR given"),
  },
  {
    id: "h2serve-node-before",
    label: "h2serve before (Node)",
    ours: true,
    runtime: "node",
    protos: ALL,
    argv: (t) => [t.node, `${t.cacheDir}/h2serve_node_before.mjs`],
    prepare: (t) =>
      t.beforeRoot
        ? bundleForNode(
          { ...t, root: t.beforeRoot },
          "bench/servers/h2serve.ts",
          "h2serve_node_before.mjs",
        )
        : Promise.resolve("no --before DIR given"),
  },
  {
    id: "nginx",
    label: "nginx (gzip 6)",
    ours: false,
    runtime: "nginx",
    protos: ["h1"],
    scenarios: NGINX_SCENARIOS,
    argv: (t) => ["sh", `${t.root}/bench/servers/nginx.sh`, t.cacheDir],
    prepare: prepareNginx,
  },
  {
    id: "deno",
    label: "Deno.serve",
    ours: false,
    runtime: "deno",
    protos: ALL,
    argv: (t) => [t.deno, "run", "-A", `${t.root}/bench/servers/deno.ts`],
  },
  {
    id: "bun",
    label: "Bun.serve",
    ours: false,
    runtime: "bun",
    protos: ALL,
    argv: (t) => [t.bun, `${t.root}/bench/servers/bun.ts`],
  },
  {
    id: "node",
    label: "Node http/http2",
    ours: false,
    runtime: "node",
    protos: ALL,
    argv: (t) => [t.node, `${t.cacheDir}/node_server.mjs`],
    prepare: (t) => bundleForNode(t, "bench/servers/node.ts", "node_server.mjs"),
  },
  {
    id: "ceiling-deno",
    label: "ceiling (Deno.listen)",
    ours: false,
    runtime: "deno",
    protos: ["h1", "h2c"],
    scenarios: CEILING_SCENARIOS,
    argv: (t) => [t.deno, "run", "-A", `${t.root}/bench/servers/ceiling_deno.ts`],
  },
  {
    id: "ceiling-bun",
    label: "ceiling (Bun.listen)",
    ours: false,
    runtime: "bun",
    protos: ["h1", "h2c"],
    scenarios: CEILING_SCENARIOS,
    argv: (t) => [t.bun, `${t.root}/bench/servers/ceiling_bun.ts`],
  },
];

/**
 * The pairs whose ratio ours/peer is reported: each of ours against the
 * runtime-native server it replaces, against the same runtime's raw-socket
 * ceiling (how close we are to the limit), and against Node (h2serve on Node
 * against Node's own http/http2 is the same-runtime pair there).
 */
export const RATIO_PAIRS: readonly [ours: string, peer: string][] = [
  ["h2serve-deno", "deno"],
  ["h2serve-deno", "ceiling-deno"],
  ["h2serve-bun", "bun"],
  ["h2serve-bun", "ceiling-bun"],
  ["h2serve-deno-light", "deno"],
  ["h2serve-bun-light", "bun"],
  ["h2serve-deno-unbounded", "deno"],
  ["h2serve-deno", "h2serve-deno-unbounded"],
  ["h2serve-deno", "node"],
  ["h2serve-bun", "node"],
  ["h2serve-node", "node"],
  // The compressing anchor (json-gzip and busy-* rows; other rows are n/a for it).
  ["h2serve-deno", "nginx"],
  ["h2serve-bun", "nginx"],
  ["h2serve-node", "nginx"],
  // --before: the other checkout against the same natives, and after/before directly.
  ["h2serve-deno-before", "deno"],
  ["h2serve-bun-before", "bun"],
  ["h2serve-node-before", "node"],
  ["h2serve-deno", "h2serve-deno-before"],
  ["h2serve-bun", "h2serve-bun-before"],
  ["h2serve-node", "h2serve-node-before"],
];
