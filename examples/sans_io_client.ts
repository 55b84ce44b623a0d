/**
 * An HTTP/2 client on h2serve/http2's `H2Connection`: one GET over h2c
 * (cleartext, prior knowledge) or over TLS with ALPN h2, on a plain socket
 * (node:net / node:tls, on Deno, Bun and Node).
 *
 *   deno run -A examples/sans_io_client.ts http://127.0.0.1:8080/             # Deno
 *   bun examples/sans_io_client.ts http://127.0.0.1:8080/                     # Bun
 *   npm run example:node -- sans_io_client http://127.0.0.1:8080/             # Node (tsc build)
 *   deno run -A examples/sans_io_client.ts https://localhost:8443/   # CA: NODE_EXTRA_CA_CERTS or rejectUnauthorized
 *
 * @module
 */
import net from "node:net";
import tls from "node:tls";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { H2Connection } from "../http2.ts";

/** A response as the client saw it. */
export interface H2Response {
  /** `:status`. */
  status: number;
  /** Response fields (without `:status`), in order. */
  headers: Array<[string, string]>;
  /** The body. */
  body: Uint8Array;
  /** Trailer fields, if any. */
  trailers: Array<[string, string]>;
}

/** Options of {@link fetchH2}. */
export interface FetchH2Options {
  /** PEM CA certificate(s) to trust for https. */
  ca?: string | string[];
  /** Extra request fields. */
  headers?: Array<[string, string]>;
}

/** GETs `url` (http: h2c prior knowledge; https: TLS with ALPN h2). */
export function fetchH2(url: string, options: FetchH2Options = {}): Promise<H2Response> {
  const u = new URL(url);
  const secure = u.protocol === "https:";
  const port = Number(u.port || (secure ? 443 : 80));
  const host = u.hostname.replace(/^\[|\]$/g, "");
  const socket: net.Socket = secure
    ? tls.connect({
      host,
      port,
      servername: net.isIP(host) ? undefined : host,
      ALPNProtocols: ["h2"],
      ca: options.ca,
    })
    : net.connect({ host, port });
  const conn = new H2Connection({ side: "client" });
  const chunks: Uint8Array[] = [];
  const res: H2Response = { status: 0, headers: [], body: new Uint8Array(0), trailers: [] };
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      socket.destroy();
      reject(e);
    };
    const flush = () => {
      const out = conn.dataToSend();
      if (out.length > 0) socket.write(out);
    };
    socket.once(secure ? "secureConnect" : "connect", () => {
      if (secure && (socket as tls.TLSSocket).alpnProtocol !== "h2") {
        return fail(new Error("the server did not select h2 by ALPN"));
      }
      conn.initiateConnection();
      const id = conn.getNextAvailableStreamId();
      conn.sendHeaders(id, [
        [":method", "GET"],
        [":scheme", secure ? "https" : "http"],
        [":path", u.pathname + u.search],
        [":authority", u.host],
        ...(options.headers ?? []),
      ], { endStream: true });
      flush();
    });
    socket.on("data", (data: Uint8Array) => {
      for (const ev of conn.receiveData(data)) {
        switch (ev.type) {
          case "response-received":
            res.status = Number(ev.headers[0]![1]);
            res.headers = ev.headers.slice(1);
            break;
          case "data-received":
            chunks.push(ev.data.slice());
            conn.acknowledgeReceivedData(ev.flowControlledLength, ev.streamId);
            break;
          case "trailers-received":
            res.trailers = ev.headers;
            break;
          case "stream-ended": {
            const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
            let off = 0;
            for (const c of chunks) body.set(c, (off += c.length) - c.length);
            res.body = body;
            conn.closeConnection();
            flush();
            socket.end();
            return resolve(res);
          }
          case "stream-reset":
            return fail(new Error(`stream reset: error code ${ev.errorCode}`));
          case "connection-terminated":
            flush();
            return fail(new Error(`connection terminated: error code ${ev.errorCode}`));
        }
      }
      flush();
    });
    socket.on("error", fail);
    socket.on("close", () => reject(new Error("connection closed before the response ended")));
  });
}

// import.meta.main on Deno and Bun; Node 20 has none, so compare the entry script's URL.
const isMain = (import.meta as { main?: boolean }).main ??
  (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href);
if (isMain) {
  const res = await fetchH2(process.argv[2] ?? "http://127.0.0.1:8080/");
  console.log(res.status, res.headers);
  console.log(new TextDecoder().decode(res.body));
}
