/**
 * python-hyper h2's tutorial server, written against h2serve/http2 over a
 * plain TCP socket (node:net, on Deno, Bun and Node): cleartext HTTP/2 with
 * prior knowledge. `/` answers "it works!"; any other path answers the
 * request's header fields as JSON (the tutorial's variant).
 *
 *   deno run --allow-net examples/sans_io_server.ts 8080     # Deno
 *   bun examples/sans_io_server.ts 8080                      # Bun
 *   npm run example:node -- sans_io_server 8080              # Node (tsc build, scripts/start_node.sh)
 *   curl --http2-prior-knowledge http://127.0.0.1:8080/headers
 *
 * @module
 */
import net from "node:net";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { H2Connection, H2ProtocolError, type HeaderList } from "../http2.ts";

const encoder = new TextEncoder();

/** Serves one socket: bytes in → events → actions → bytes out. */
export function handleSocket(socket: net.Socket): void {
  const conn = new H2Connection({ side: "server" });
  const bodies = new Map<number, Uint8Array>(); // response bytes waiting for send window
  conn.initiateConnection();

  const flush = () => {
    const out = conn.dataToSend();
    if (out.length > 0) socket.write(out);
    if (conn.closed) socket.end();
  };
  // Sends as much of a body as the windows and the peer's frame size allow.
  const pump = (id: number) => {
    let body = bodies.get(id);
    while (body !== undefined) {
      const n = Math.min(body.length, conn.localFlowControlWindow(id), conn.maxOutboundFrameSize);
      if (n <= 0 && body.length > 0) return;
      conn.sendData(id, body.subarray(0, n), { endStream: n === body.length });
      body = n === body.length ? undefined : body.subarray(n);
    }
    bodies.delete(id);
  };
  const respond = (id: number, status: number, type: string, body: Uint8Array) => {
    const headers: HeaderList = [
      [":status", String(status)],
      ["content-type", type],
      ["content-length", String(body.length)],
      ["server", "h2serve-sans-io-example"],
    ];
    conn.sendHeaders(id, headers);
    bodies.set(id, body);
    pump(id);
  };
  // An action on a stream the same batch of input already closed (reset, GOAWAY) is refused.
  const act = (f: () => void) => {
    try {
      f();
    } catch (e) {
      if (!(e instanceof H2ProtocolError)) throw e;
    }
  };

  socket.on("data", (chunk: Uint8Array) => {
    for (const ev of conn.receiveData(chunk)) {
      switch (ev.type) {
        case "request-received": {
          const path = ev.headers.find(([n]) => n === ":path")?.[1];
          act(() =>
            path === "/"
              ? respond(ev.streamId, 200, "text/plain", encoder.encode("it works!\n"))
              : respond(
                ev.streamId,
                200,
                "application/json",
                encoder.encode(JSON.stringify(Object.fromEntries(ev.headers)) + "\n"),
              )
          );
          break;
        }
        case "data-received": // we ignore request bodies, but must give the window back
          act(() => conn.acknowledgeReceivedData(ev.flowControlledLength, ev.streamId));
          break;
        case "window-updated":
          for (const id of ev.streamId === 0 ? [...bodies.keys()] : [ev.streamId]) {
            act(() => pump(id));
          }
          break;
        case "stream-reset":
          bodies.delete(ev.streamId);
          break;
        case "headers-too-large":
          act(() => respond(ev.streamId, 431, "text/plain", encoder.encode("too large\n")));
          break;
      }
    }
    flush();
  });
  socket.on("error", () => socket.destroy());
}

/** Listens on `port` (0: any free one); resolves with the listening server. */
export function startServer(port = 0, hostname = "127.0.0.1"): Promise<net.Server> {
  const server = net.createServer(handleSocket);
  return new Promise((resolve) => server.listen(port, hostname, () => resolve(server)));
}

// import.meta.main on Deno and Bun; Node 20 has none, so compare the entry script's URL.
const isMain = (import.meta as { main?: boolean }).main ??
  (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href);
if (isMain) {
  const server = await startServer(Number(process.argv[2] ?? 8080));
  const addr = server.address() as net.AddressInfo;
  console.log(`sans-IO h2c server on http://127.0.0.1:${addr.port}`);
}
