/**
 * A second gRPC client: Connect (`@connectrpc/connect` + `@connectrpc/connect-node`,
 * `createGrpcTransport`) calls examples/grpc.ts over h2c and h2. The echo
 * service speaks raw bytes, so the message type is a raw-bytes stand-in for a
 * protobuf class (Connect only calls `toBinary`, `fromBinary` and `new`).
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { Code, ConnectError, createPromiseClient } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { MethodKind, type ServiceType } from "@bufbuild/protobuf";
import { echoService } from "../../examples/grpc.ts";
import { start, type TestServer, TLS } from "../support/live.ts";
import { eventually } from "../support/common.ts";

/** Raw bytes as a message: serialized as they are. */
class Raw {
  static readonly typeName = "echo.Raw";
  value: Uint8Array;
  constructor(init?: { value?: Uint8Array } | Uint8Array) {
    this.value = init instanceof Uint8Array ? init : init?.value ?? new Uint8Array(0);
  }
  toBinary(): Uint8Array {
    return this.value;
  }
  static fromBinary(bytes: Uint8Array): Raw {
    return new Raw(bytes);
  }
}
const BytesValue = Raw;

const Echo = {
  typeName: "echo.Echo",
  methods: {
    unary: { name: "Unary", I: BytesValue, O: BytesValue, kind: MethodKind.Unary },
    serverStream: {
      name: "ServerStream",
      I: BytesValue,
      O: BytesValue,
      kind: MethodKind.ServerStreaming,
    },
    clientStream: {
      name: "ClientStream",
      I: BytesValue,
      O: BytesValue,
      kind: MethodKind.ClientStreaming,
    },
    fail: { name: "Fail", I: BytesValue, O: BytesValue, kind: MethodKind.Unary },
    wait: { name: "Wait", I: BytesValue, O: BytesValue, kind: MethodKind.Unary },
  },
} as const;
const EchoService = Echo as unknown as ServiceType;

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => new Raw(enc.encode(s));
type Msg = { value: Uint8Array };
type Opts = { timeoutMs?: number; onTrailer?: (t: Headers) => void };
/** The client, typed for raw messages. */
interface EchoClient {
  unary(m: Raw, o?: Opts): Promise<Msg>;
  serverStream(m: Raw, o?: Opts): AsyncIterable<Msg>;
  clientStream(m: AsyncIterable<Raw>, o?: Opts): Promise<Msg>;
  fail(m: Raw, o?: Opts): Promise<Msg>;
  wait(m: Raw, o?: Opts): Promise<Msg>;
}

for (const tls of [false, true]) {
  describe(`gRPC over ${tls ? "h2 (TLS)" : "h2c"} with Connect's gRPC transport`, () => {
    let server: TestServer;
    let sessions: Http2SessionManager;
    let client: EchoClient;
    const aborted: unknown[] = [];

    before(() => {
      server = start(echoService({ onAbort: (_p, reason) => aborted.push(reason) }), {
        ...(tls ? { tls: TLS } : {}),
      });
      const baseUrl = `${tls ? "https" : "http"}://localhost:${server.port}`;
      const nodeOptions = tls ? { ca: TLS.cert } : {};
      sessions = new Http2SessionManager(baseUrl, {}, nodeOptions);
      const transport = createGrpcTransport({
        baseUrl,
        httpVersion: "2",
        sessionManager: sessions,
        nodeOptions,
        defaultTimeoutMs: 10_000,
      });
      client = createPromiseClient(EchoService, transport) as unknown as EchoClient;
    });

    after(async () => {
      // Before the server's GOAWAY: Deno's node:http2 client aborts the process on a
      // GOAWAY that finds closed streams in its session (nghttp2 assertion).
      sessions.abort();
      await server.close();
    });

    it("unary", async () => {
      const r = await client.unary(bytes("hello"));
      assert.equal(dec.decode(r.value), "hello");
    });

    it("server streaming, with metadata in the trailers", async () => {
      let trailer: Headers | null = null;
      const got: string[] = [];
      for await (
        const m of client.serverStream(bytes("3"), { onTrailer: (t) => (trailer = t) })
      ) {
        got.push(dec.decode(m.value));
      }
      assert.deepEqual(got, ["message 0", "message 1", "message 2"]);
      assert.equal((trailer as Headers | null)?.get("x-count"), "3");
    });

    it("client streaming", async () => {
      async function* messages() {
        for (let i = 0; i < 4; i++) yield bytes("ab");
      }
      const r = await client.clientStream(messages());
      assert.equal(dec.decode(r.value), "4 8");
    });

    it("an error as a trailers-only response", async () => {
      await assert.rejects(client.fail(bytes("x")), (e: unknown) => {
        assert.ok(e instanceof ConnectError);
        assert.equal(e.code, Code.NotFound);
        assert.equal(e.rawMessage, "no such thing");
        return true;
      });
    });

    it("a deadline that expires aborts req.signal", async () => {
      const before = aborted.length;
      await assert.rejects(client.wait(bytes("x"), { timeoutMs: 200 }), (e: unknown) => {
        assert.equal((e as ConnectError).code, Code.DeadlineExceeded);
        return true;
      });
      await eventually(() => aborted.length > before, 5000, "req.signal abort");
    });
  });
}
