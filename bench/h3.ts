/**
 * HTTP/3 beside HTTP/2 over TLS, both ours on Deno, in one run: hello,
 * 64 KiB and 100 streams per connection, as h3/h2 ratios.
 *
 * No HTTP/3 load tool is installed here (curl 7.88 has no HTTP/3, h2load
 * 1.52 is built without ngtcp2), so both protocols are driven by JavaScript
 * clients in a second Deno process: tests/support/h3_client.ts (on
 * Deno.connectQuic) for h3 and node:http2 for h2. The client shares the
 * machine's CPUs with the server, and a JS client costs much more per
 * request than h2load, so absolute numbers are the client's as much as the
 * server's; the ratios compare the two protocols under the same kind of load.
 *
 * Run: deno run -A --unstable-net bench/h3.ts [--duration 3] [--rounds 3]
 *
 * @module
 */
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    duration: { type: "string", default: "3" },
    rounds: { type: "string", default: "3" },
    role: { type: "string" },
    proto: { type: "string" },
    scenario: { type: "string" },
    port: { type: "string" },
  },
});
const here = new URL(".", import.meta.url);
const fixture = (n: string) => Deno.readTextFileSync(new URL(`../tests/fixtures/${n}`, here));
const SCENARIOS = ["hello", "64k", "streams100"] as const;
type Scenario = typeof SCENARIOS[number];

if (values.role === "server") {
  const { serve } = await import("../mod.ts");
  const { handle } = await import("./servers/handler.ts");
  const tls = { cert: fixture("h2_test_leaf.crt"), key: fixture("h2_test_leaf.key") };
  serve({
    port: 0,
    hostname: "127.0.0.1",
    tls,
    http3: { idleTimeout: 0, sendTimeout: 0 },
    onListen: ({ port }) => console.log(`PORT ${port}`),
  }, handle);
} else if (values.role === "client") {
  const r = await drive(
    values.proto as "h2" | "h3",
    values.scenario as Scenario,
    Number(values.port),
    Number(values.duration) * 1000,
  );
  console.log(JSON.stringify(r));
  Deno.exit(0);
} else {
  await main();
}

/** One client run: requests and body bytes completed in `ms`. */
async function drive(proto: "h2" | "h3", sc: Scenario, port: number, ms: number) {
  const path = sc === "64k" ? "/64k" : "/";
  const inFlight = sc === "streams100" ? 100 : 10;
  const ca = fixture("h2_test_ca.crt");
  let get: () => Promise<number>;
  let close: () => void;
  if (proto === "h3") {
    const { H3Client } = await import("../tests/support/h3_client.ts");
    const c = await H3Client.connect(port, ca);
    get = async () => {
      const res = await c.request("GET", path);
      let n = 0;
      for await (const b of res.body) n += b.byteLength;
      return n;
    };
    close = () => c.close();
  } else {
    const http2 = await import("node:http2");
    const s = http2.connect(`https://localhost:${port}`, { ca, host: "127.0.0.1" } as never);
    get = () =>
      new Promise((resolve, reject) => {
        const req = s.request({ ":path": path });
        let n = 0;
        req.on("data", (b: Uint8Array) => (n += b.byteLength));
        req.on("end", () => resolve(n));
        req.on("error", reject);
      });
    close = () => s.close();
  }
  await get(); // warm-up
  let reqs = 0;
  let bytes = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (performance.now() < end) {
        const n = await get(); // not `bytes += await`: that would add to a stale total
        bytes += n;
        reqs++;
      }
    }),
  );
  const secs = (performance.now() - t0) / 1000;
  close();
  return { rps: reqs / secs, mbps: bytes / secs / 1e6 };
}

async function main(): Promise<void> {
  const server = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--unstable-net", new URL(import.meta.url).pathname, "--role", "server"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let port = 0;
  let buf = "";
  while (port === 0) {
    const r = await lines.read();
    if (r.done) throw new Error("the bench server did not start");
    buf += r.value;
    const m = /PORT (\d+)/.exec(buf);
    if (m) port = Number(m[1]);
  }
  const results: Record<string, { h2: number[]; h3: number[]; h2mb: number[]; h3mb: number[] }> =
    {};
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const sc of SCENARIOS) {
        const row = results[sc] ??= { h2: [], h3: [], h2mb: [], h3mb: [] };
        // Alternate which protocol goes first, so drift hits both.
        const order: Array<"h2" | "h3"> = round % 2 === 0 ? ["h2", "h3"] : ["h3", "h2"];
        for (const proto of order) {
          const out = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              "--unstable-net",
              new URL(import.meta.url).pathname,
              "--role=client",
              `--proto=${proto}`,
              `--scenario=${sc}`,
              `--port=${port}`,
              `--duration=${values.duration}`,
            ],
            stderr: "inherit",
          }).output();
          const r = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
          row[proto].push(r.rps);
          row[`${proto}mb` as "h2mb" | "h3mb"].push(r.mbps);
          console.error(`${sc} ${proto}: ${Math.round(r.rps)} req/s ${r.mbps.toFixed(1)} MB/s`);
        }
      }
    }
  } finally {
    server.kill("SIGTERM");
    await server.status;
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] ?? 0;
  const when = new Date().toISOString().slice(0, 10);
  let md = `# h3 vs h2 (TLS), ours on Deno ${Deno.version.deno}, ${when}\n\n`;
  md += `Load: JS clients in a second Deno process on the same 2 shared cores (h3: tests/support/` +
    `h3_client.ts on Deno.connectQuic; h2: node:http2), ${values.rounds} alternating rounds of ` +
    `${values.duration} s, medians. hello and 64k: 10 requests in flight on one connection; ` +
    `streams100: 100.\n\n`;
  md +=
    "| scenario | h2 req/s | h3 req/s | h3/h2 | h2 MB/s | h3 MB/s |\n|---|---|---|---|---|---|\n";
  for (const sc of SCENARIOS) {
    const r = results[sc]!;
    const h2 = med(r.h2), h3 = med(r.h3);
    md += `| ${sc} | ${Math.round(h2)} | ${Math.round(h3)} | ${(h3 / h2).toFixed(2)} | ` +
      `${med(r.h2mb).toFixed(1)} | ${med(r.h3mb).toFixed(1)} |\n`;
  }
  Deno.writeTextFileSync(new URL("results/h3.md", here), md);
  Deno.writeTextFileSync(new URL("results/h3.json", here), JSON.stringify(results, null, 2));
  console.log(md);
}
