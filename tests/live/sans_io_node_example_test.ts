// The sans-IO examples as a Node user runs them: `npm run example:node --
// sans_io_server <port>` (scripts/start_node.sh: a tsc build into
// .node_examples/, then node on the compiled .js), answered over h2c by curl
// and by the compiled example client. Run from any runtime; the example runs on Node.
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run } from "../support/live.ts";

// tests/live/ here, or .node_test/tests/live/ once compiled for Node.
const root = [new URL("../../", import.meta.url), new URL("../../../", import.meta.url)]
  .map((u) => fileURLToPath(u))
  .find((d) => existsSync(`${d}scripts/start_node.sh`))!;

describe("examples/sans_io_*.ts on Node (npm run example:node)", () => {
  let child: ChildProcess;
  let base = "";
  before(async () => {
    child = spawn("sh", ["scripts/start_node.sh", "sans_io_server", "0"], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stderr!.on("data", (b) => (err += b));
    base = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no listening line: ${out} ${err}`)),
        120_000,
      );
      child.stdout!.on("data", (b) => {
        out += b;
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      child.on("exit", (code) => reject(new Error(`exited ${code}: ${out} ${err}`)));
    });
  });
  after(() => {
    // sh execs node, so this pid is the example server itself.
    if (child.exitCode === null) child.kill();
  });

  it("the server runs on Node: curl --http2-prior-knowledge gets both answers over h2", async () => {
    const a = await run("curl", [
      "-s",
      "-w",
      "\n%{http_version}",
      "--http2-prior-knowledge",
      `${base}/`,
    ]);
    assert.equal(a.stdout, "it works!\n\n2");
    const b = await run("curl", [
      "-s",
      "--http2-prior-knowledge",
      "-H",
      "x-hi: there",
      `${base}/h`,
    ]);
    const json = JSON.parse(b.stdout);
    assert.equal(json[":path"], "/h");
    assert.equal(json["x-hi"], "there");
  });

  it("the compiled client runs on Node against it", async () => {
    const r = await run("node", [
      "--enable-source-maps",
      `${root}.node_examples/examples/sans_io_client.js`,
      `${base}/from-client`,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^200 /);
    assert.match(r.stdout, /"\:path":"\/from-client"/);
  });

  it("an unknown example name is refused before building", async () => {
    const r = await run("sh", [`${root}scripts/start_node.sh`, "no_such_example"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /examples\/no_such_example\.ts is not in tsconfig\.examples\.json/);
  });
});
