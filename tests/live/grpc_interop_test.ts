/**
 * gRPC proof: examples/grpc.ts (a plain fetch handler speaking the gRPC wire
 * format, status in trailers via withTrailers) served over h2c and h2 (TLS),
 * called by @grpc/grpc-js with raw-bytes serializers. grpc-js uses only
 * node:http2, and runs in-process on Deno, Bun and Node.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { TrailersError, withTrailers } from "../../mod.ts";
import type { ServeInfo } from "../../mod.ts";
import { echoService, grpcFrame } from "../../examples/grpc.ts";
import { CERT_PATH, start, type TestServer, TLS } from "../support/live.ts";
import { LiveH2 } from "../support/http2_client.ts";
import { headers as headersFrame } from "../support/http2_frames.ts";
import { FrameType } from "../../src/http2/core/mod.ts";
import { eventually } from "../support/common.ts";

const id = (b: Buffer): Buffer => b;
const method = (name: string, requestStream: boolean, responseStream: boolean) => ({
  path: `/echo.Echo/${name}`,
  requestStream,
  responseStream,
  requestSerialize: id,
  requestDeserialize: id,
  responseSerialize: id,
  responseDeserialize: id,
});

/** The echo service's client, built from raw-bytes method definitions (no protobuf). */
const EchoClient = grpc.makeGenericClientConstructor({
  Unary: method("Unary", false, false),
  ServerStream: method("ServerStream", false, true),
  ClientStream: method("ClientStream", true, false),
  Bidi: method("Bidi", true, true),
  Fail: method("Fail", false, false),
  Wait: method("Wait", false, false),
  Throw: method("Throw", false, true),
}, "Echo");

// deno-lint-ignore no-explicit-any
type Client = any;
type Status = { code: number; details: string; metadata: grpc.Metadata };

/** Every call is bounded, whatever the case under test. */
const deadline = () => Date.now() + 10_000;

function unary(c: Client, name: string, msg: Buffer, deadlineAt = deadline()): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    c[name](msg, { deadline: deadlineAt }, (err: Error | null, res: Buffer) => {
      if (err) reject(err);
      else resolve(res);
    });
  });
}

function serverStream(c: Client, name: string, msg: Buffer): Promise<[Buffer[], Status]> {
  return new Promise((resolve, reject) => {
    const got: Buffer[] = [];
    let status: Status | null = null;
    let ended = false;
    const call = c[name](msg, { deadline: deadline() });
    const done = () => {
      if (status !== null && ended) resolve([got, status]);
    };
    call.on("data", (b: Buffer) => got.push(b));
    call.on("status", (s: Status) => ((status = s), done()));
    call.on("end", () => ((ended = true), done()));
    call.on("error", reject);
  });
}

const TRANSPORTS = [
  { name: "h2c", tls: false },
  { name: "h2 (TLS)", tls: true },
] as const;

for (const transport of TRANSPORTS) {
  describe(`gRPC over ${transport.name} with @grpc/grpc-js`, () => {
    let server: TestServer;
    let client: Client;
    const aborted: unknown[] = [];
    const connections = new Set<number>();
    const errors: unknown[] = [];

    before(() => {
      const service = echoService({
        onAbort: (_path, reason) => aborted.push(reason),
        onCall: (_path, info: ServeInfo) => connections.add(info.connection.id),
      });
      server = start((req, info) => {
        if (new URL(req.url).pathname === "/echo.Echo/Throw") {
          const body = new Response(grpcFrame(new TextEncoder().encode("x"))).body;
          return withTrailers(
            new Response(body, { headers: { "content-type": "application/grpc" } }),
            () => Promise.reject(new Error("status unknown")),
          );
        }
        return service(req, info);
      }, {
        ...(transport.tls ? { tls: TLS } : {}),
        onError(e) {
          errors.push(e);
          return new Response(null, { status: 500 });
        },
      });
      const creds = transport.tls
        ? grpc.credentials.createSsl(readFileSync(CERT_PATH))
        : grpc.credentials.createInsecure();
      client = new EchoClient(`127.0.0.1:${server.port}`, creds, {
        "grpc.ssl_target_name_override": "localhost",
        "grpc.default_authority": "localhost",
      });
    });

    after(async () => {
      client.close();
      await server.close();
    });

    it("unary", async () => {
      const res = await unary(client, "Unary", Buffer.from("hello"));
      assert.equal(res.toString(), "hello");
    });

    it("server streaming, with metadata in the trailers", async () => {
      const [msgs, status] = await serverStream(client, "ServerStream", Buffer.from("5"));
      assert.deepEqual(msgs.map(String), [0, 1, 2, 3, 4].map((i) => `message ${i}`));
      assert.equal(status.code, grpc.status.OK);
      assert.deepEqual(status.metadata.get("x-count"), ["5"]);
    });

    it("client streaming", async () => {
      const res = await new Promise<Buffer>((resolve, reject) => {
        const call = client.ClientStream(
          { deadline: deadline() },
          (err: Error | null, r: Buffer) => (err ? reject(err) : resolve(r)),
        );
        for (let i = 0; i < 10; i++) call.write(Buffer.from("abc"));
        call.end();
      });
      assert.equal(res.toString(), "10 30");
    });

    it("bidirectional streaming", async () => {
      const got = await new Promise<string[]>((resolve, reject) => {
        const call = client.Bidi({ deadline: deadline() });
        const out: string[] = [];
        call.on("data", (b: Buffer) => {
          out.push(b.toString());
          if (out.length < 3) call.write(Buffer.from(`m${out.length}`));
          else call.end();
        });
        call.on("end", () => resolve(out));
        call.on("error", reject);
        call.write(Buffer.from("m0"));
      });
      assert.deepEqual(got, ["m0", "m1", "m2"]);
    });

    it("an error as a trailers-only response", async () => {
      await assert.rejects(unary(client, "Fail", Buffer.from("x")), (e: grpc.ServiceError) => {
        assert.equal(e.code, grpc.status.NOT_FOUND);
        assert.equal(e.details, "no such thing");
        return true;
      });
    });

    it("50 concurrent calls on one connection", async () => {
      connections.clear();
      const calls = Array.from(
        { length: 50 },
        (_, i) => unary(client, "Unary", Buffer.from(`call ${i}`)),
      );
      const res = await Promise.all(calls);
      assert.deepEqual(res.map(String), Array.from({ length: 50 }, (_, i) => `call ${i}`));
      assert.equal(connections.size, 1);
    });

    it("a 1 MiB message", async () => {
      const big = Buffer.alloc(1024 * 1024);
      for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) & 0xff;
      const res = await unary(client, "Unary", big);
      assert.equal(res.length, big.length);
      assert.ok(res.equals(big));
    });

    it("a deadline that expires: the client's RST_STREAM aborts req.signal", async () => {
      const before = aborted.length;
      await assert.rejects(
        unary(client, "Wait", Buffer.from("x"), Date.now() + 200),
        (e: grpc.ServiceError) => e.code === grpc.status.DEADLINE_EXCEEDED,
      );
      await eventually(() => aborted.length > before, 5000, "req.signal abort");
    });

    it("a trailers function that throws: the stream is reset, the client sees INTERNAL", async () => {
      const before = errors.length;
      const [, status] = await serverStream(client, "Throw", Buffer.from("x")).catch((
        e: grpc.ServiceError,
      ) => [[], { code: e.code, details: e.details, metadata: e.metadata }] as [Buffer[], Status]);
      assert.equal(status.code, grpc.status.INTERNAL);
      await eventually(() => errors.length > before);
      assert.ok(errors.at(-1) instanceof TrailersError);
    });
  });
}

describe("gRPC trailers-only on the wire", () => {
  it("one HEADERS frame with END_STREAM carrying grpc-status, no DATA", async () => {
    await using s = start(echoService());
    const c = await LiveH2.connect(s.port);
    c.write(headersFrame(1, [
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/echo.Echo/Fail"],
      [":authority", "localhost"],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ], { endStream: true }));
    await c.until((x) => x.ended(1));
    c.destroy();
    const frames = c.of(1).filter((f) => f.type !== FrameType.WINDOW_UPDATE);
    assert.equal(frames.length, 1);
    const [only] = frames;
    assert.equal(only!.type, FrameType.HEADERS);
    assert.equal(only!.flags & 0x1, 0x1);
    const fields = new Map(only!.fields);
    assert.equal(fields.get(":status"), "200");
    assert.equal(fields.get("grpc-status"), "5");
    assert.equal(fields.get("grpc-message"), "no such thing");
  });
});
