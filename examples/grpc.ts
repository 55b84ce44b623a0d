/**
 * A gRPC service written as a plain fetch handler: no protobuf, no gRPC
 * library, just the wire format (RFC-style summary in the README, "serving
 * gRPC from a fetch handler"):
 *
 * - a call is `POST /package.Service/Method` with `content-type: application/grpc`;
 * - each message is a 5-byte prefix (1 byte compressed flag, 4 bytes
 *   big-endian length) and the bytes;
 * - the status goes in the trailers (`grpc-status`, `grpc-message`), or, for
 *   an error before any message, in the response head alone (trailers-only).
 *
 * Messages here are raw bytes (UTF-8 text), so any client with identity
 * serializers can call it; a real service would decode protobuf at the two
 * marked places.
 *
 * Run: `deno run -A examples/grpc.ts` or `bun examples/grpc.ts` (h2c on port
 * 50051), then call it with `node examples/grpc_client.mjs 50051`.
 *
 * @module
 */
import { requestTrailers, serve, type ServeInfo, withTrailers } from "../mod.ts";

/** gRPC status codes used here (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
export const GrpcStatus = {
  OK: 0,
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  RESOURCE_EXHAUSTED: 8,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
} as const;

/** The largest request message we accept (gRPC's default receive limit). */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

const GRPC_HEADERS = { "content-type": "application/grpc", "grpc-accept-encoding": "identity" };

/**
 * One length-prefixed message: flag 0 (not compressed), length, bytes.
 *
 * @example
 * ```ts
 * import { grpcFrame } from "./grpc.ts";
 * grpcFrame(new Uint8Array([1, 2])); // Uint8Array [0, 0, 0, 0, 2, 1, 2]
 * ```
 */
export function grpcFrame(message: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(5 + message.byteLength);
  new DataView(out.buffer).setUint32(1, message.byteLength);
  out.set(message, 5);
  return out;
}

/** A request whose framing we cannot read: answered with its gRPC status. */
export class GrpcError extends Error {
  /**
   * @param code the gRPC status code.
   * @param message the text for `grpc-message`.
   */
  constructor(readonly code: number, message: string) {
    super(message);
  }
}

/**
 * Splits a request body into its messages as they arrive. Throws a
 * GrpcError for a compressed message (we announced identity only), one
 * larger than `max`, or a body cut inside a message.
 *
 * @example
 * ```ts
 * import { grpcFrame, grpcFrames } from "./grpc.ts";
 * const body = new Response(grpcFrame(new Uint8Array([7]))).body!;
 * for await (const m of grpcFrames(body)) console.log(m); // Uint8Array [7]
 * ```
 */
export async function* grpcFrames(
  body: ReadableStream<Uint8Array> | null,
  max = MAX_MESSAGE_BYTES,
): AsyncGenerator<Uint8Array> {
  if (body === null) return;
  let buf: Uint8Array = new Uint8Array(0);
  for await (const chunk of body) {
    buf = buf.byteLength === 0 ? chunk : concat(buf, chunk);
    for (;;) {
      if (buf.byteLength < 5) break;
      if (buf[0] !== 0) {
        throw new GrpcError(GrpcStatus.UNIMPLEMENTED, "compressed messages are not supported");
      }
      const length = new DataView(buf.buffer, buf.byteOffset).getUint32(1);
      if (length > max) {
        throw new GrpcError(GrpcStatus.RESOURCE_EXHAUSTED, `message larger than ${max} bytes`);
      }
      if (buf.byteLength < 5 + length) break;
      yield buf.slice(5, 5 + length);
      buf = buf.subarray(5 + length);
    }
  }
  if (buf.byteLength > 0) throw new GrpcError(GrpcStatus.INTERNAL, "body ended inside a message");
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a);
  out.set(b, a.byteLength);
  return out;
}

/** `grpc-message` is percent-encoded: bytes outside printable ASCII, and `%` itself. */
function percentEncode(text: string): string {
  let out = "";
  for (const byte of new TextEncoder().encode(text)) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25
      ? String.fromCharCode(byte)
      : "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * An error as a trailers-only response: status and message in the one
 * HEADERS frame (END_STREAM), no body.
 *
 * @example
 * ```ts
 * import { grpcError, GrpcStatus } from "./grpc.ts";
 * grpcError(GrpcStatus.NOT_FOUND, "no such thing").headers.get("grpc-status"); // "5"
 * ```
 */
export function grpcError(code: number, message: string): Response {
  return new Response(null, {
    headers: {
      ...GRPC_HEADERS,
      "grpc-status": String(code),
      "grpc-message": percentEncode(message),
    },
  });
}

/** A response of messages from `source`, its status in the trailers once `source` is done. */
function grpcStream(
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  trailers: () => Record<string, string> = () => ({}),
): Response {
  let status: Record<string, string> = { "grpc-status": String(GrpcStatus.OK) };
  const it = Symbol.asyncIterator in source
    ? source[Symbol.asyncIterator]()
    : source[Symbol.iterator]();
  const body = new ReadableStream<Uint8Array>({
    async pull(c) {
      try {
        const r = await it.next();
        if (r.done) c.close();
        else c.enqueue(grpcFrame(r.value));
      } catch (e) {
        // An error mid-call ends the stream cleanly; the status says what went wrong.
        const code = e instanceof GrpcError ? e.code : GrpcStatus.INTERNAL;
        status = { "grpc-status": String(code), "grpc-message": percentEncode(String(e)) };
        c.close();
      }
    },
    cancel: (reason) => void it.return?.(reason),
  });
  const res = new Response(body, { headers: GRPC_HEADERS });
  // Called after the last message was pulled: the status is final by then.
  return withTrailers(res, () => ({ ...status, ...trailers() }));
}

/** Hooks a test (or a server's metrics) can observe the service through. */
export interface EchoHooks {
  /** A call's req.signal aborted (the client cancelled, or its deadline expired). */
  onAbort?(path: string, reason: unknown): void;
  /** Every call, with the connection it came on. */
  onCall?(path: string, info: ServeInfo): void;
}

const text = (s: string) => new TextEncoder().encode(s);

/**
 * The `echo.Echo` service as a fetch handler:
 * - `Unary`: answers the one request message unchanged;
 * - `ServerStream`: the request is a count N (text); answers N messages and
 *   the trailer `x-count: N` next to `grpc-status`;
 * - `ClientStream`: reads every message, answers "<messages> <bytes>";
 * - `Bidi`: answers each message as it arrives;
 * - `Fail`: NOT_FOUND "no such thing", trailers-only;
 * - `Wait`: never answers; reports its req.signal aborting;
 * - anything else: UNIMPLEMENTED.
 *
 * @example
 * ```ts
 * import { echoService } from "./grpc.ts";
 * import { serve } from "../mod.ts";
 * serve({ port: 50051 }, echoService());
 * ```
 */
export function echoService(
  hooks: EchoHooks = {},
): (req: Request, info: ServeInfo) => Promise<Response> {
  return async (req, info) => {
    const path = new URL(req.url).pathname;
    hooks.onCall?.(path, info);
    const type = req.headers.get("content-type") ?? "";
    if (req.method !== "POST" || !/^application\/grpc(\+|;|$)/.test(type)) {
      return new Response("gRPC only", { status: 415 });
    }
    try {
      switch (path) {
        case "/echo.Echo/Unary": {
          const message = await only(grpcFrames(req.body)); // decode protobuf here
          return grpcStream([message]); // encode protobuf here
        }
        case "/echo.Echo/ServerStream": {
          const n = Number(new TextDecoder().decode(await only(grpcFrames(req.body))));
          let sent = 0;
          const replies = async function* () {
            for (; sent < n; sent++) yield text(`message ${sent}`);
          };
          return grpcStream(replies(), () => ({ "x-count": String(sent) }));
        }
        case "/echo.Echo/ClientStream": {
          let count = 0;
          let bytes = 0;
          for await (const m of grpcFrames(req.body)) {
            count++;
            bytes += m.byteLength;
          }
          // grpc-js sends none, but a client may: they are here once the body is read.
          const t = await requestTrailers(req);
          return grpcStream([text(`${count} ${bytes}`)], () => ({
            "x-request-trailers": String([...t.keys()].length),
          }));
        }
        case "/echo.Echo/Bidi":
          return grpcStream(grpcFrames(req.body));
        case "/echo.Echo/Fail":
          return grpcError(GrpcStatus.NOT_FOUND, "no such thing");
        case "/echo.Echo/Wait":
          await new Promise<void>((resolve) => {
            const signal = req.signal;
            const fire = () => {
              hooks.onAbort?.(path, signal.reason);
              resolve();
            };
            if (signal.aborted) fire();
            else signal.addEventListener("abort", fire, { once: true });
          });
          return grpcError(GrpcStatus.CANCELLED, "cancelled");
        default:
          return grpcError(GrpcStatus.UNIMPLEMENTED, `unknown method ${path}`);
      }
    } catch (e) {
      if (e instanceof GrpcError) return grpcError(e.code, e.message);
      throw e;
    }
  };
}

async function only(messages: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  let one: Uint8Array | null = null;
  for await (const m of messages) {
    if (one !== null) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, "more than one message");
    one = m;
  }
  if (one === null) throw new GrpcError(GrpcStatus.INVALID_ARGUMENT, "no request message");
  return one;
}

// deno-lint-ignore no-explicit-any
if ((import.meta as any).main) serve({ port: 50051, hostname: "127.0.0.1" }, echoService());
