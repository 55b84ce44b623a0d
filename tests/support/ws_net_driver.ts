/**
 * A minimal HTTP/1.1 driver over node:net for WebSocket interop tests: it
 * does exactly what the real h1 driver must do at the seam (register the
 * request, call the handler, resolveUpgrade, write 101, bind a channel to
 * the socket, hand over pipelined bytes), and nothing else. One request per
 * connection; not a server.
 *
 * @module
 */
import net from "node:net";
import type { WebSocketChannel } from "../../src/websocket/channel.ts";
import { registerUpgradeTarget, resolveUpgrade } from "../../src/websocket/registry.ts";
import { WebSocketHandshakeError } from "../../src/websocket/upgrade.ts";

/** A running test driver. */
export interface MiniServer {
  /** The port on 127.0.0.1. */
  port: number;
  /** Stops listening and destroys open sockets. */
  close(): Promise<void>;
  /** Sessions that closed (settled `closed`). */
  sessionsClosed: number;
  /** Foreign-101 errors reported. */
  foreign: string[];
  /** Largest amount of bytes a socket held in its write buffer after a session write. */
  maxWriteBuffer: number;
}

function channelFor(sock: net.Socket, state: { maxWriteBuffer: number }): WebSocketChannel {
  return {
    write: (b) => {
      const ok = sock.write(b);
      state.maxWriteBuffer = Math.max(state.maxWriteBuffer, sock.writableLength);
      return ok;
    },
    drain: () =>
      new Promise<void>((r) => {
        if (!sock.writableNeedDrain || sock.destroyed) return r();
        const done = () => {
          sock.off("drain", done);
          sock.off("close", done);
          r();
        };
        sock.once("drain", done);
        sock.once("close", done);
      }),
    pause: () => sock.pause(),
    resume: () => sock.resume(),
    end: () => sock.end(),
    abort: () => sock.destroy(),
  };
}

/** Starts the driver with `handler`. */
export function miniServer(handler: (req: Request) => Response): Promise<MiniServer> {
  const sockets = new Set<net.Socket>();
  const state = { sessionsClosed: 0, foreign: [] as string[], maxWriteBuffer: 0 };
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => {});
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      sock.off("data", onData);
      sock.pause();
      const rest = new Uint8Array(head.subarray(end + 4));
      const lines = head.subarray(0, end).toString("latin1").split("\r\n");
      const [method, path] = lines[0]!.split(" ");
      const headers = new Headers();
      for (const l of lines.slice(1)) {
        const i = l.indexOf(":");
        headers.append(l.slice(0, i).trim(), l.slice(i + 1).trim());
      }
      const req = new Request(`http://127.0.0.1:${port}${path}`, { method, headers });
      if (headers.get("upgrade")?.toLowerCase() === "websocket") {
        registerUpgradeTarget(req, { protocol: "http/1.1", secure: false });
      }
      let res: Response;
      try {
        res = handler(req);
      } catch (e) {
        const status = e instanceof WebSocketHandshakeError ? e.status : 500;
        const h = e instanceof WebSocketHandshakeError ? e.headers : [];
        res = new Response(String(e), { status, headers: h });
      }
      const d = resolveUpgrade(req, res);
      if (d.type === "accept") {
        let out = `HTTP/1.1 ${d.status} Switching Protocols\r\n`;
        for (const [k, v] of d.headers) out += `${k}: ${v}\r\n`;
        sock.write(out + "\r\n");
        const session = d.open(channelFor(sock, state));
        session.closed.then(() => state.sessionsClosed++);
        sock.on("data", (b: Buffer) => session.receive(new Uint8Array(b)));
        sock.on("close", () => session.peerEnded());
        if (rest.length) session.receive(rest);
        sock.resume();
        return;
      }
      if (d.type === "foreign") {
        state.foreign.push(d.error.message);
        res = new Response("internal error", { status: 500 });
      }
      res.text().then((body) => {
        let out = `HTTP/1.1 ${res.status} X\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
        res.headers.forEach((v, k) => (out += `${k}: ${v}\r\n`));
        sock.end(out + "connection: close\r\n\r\n" + body);
      });
    };
    sock.on("data", onData);
  });
  let port = 0;
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      port = (server.address() as net.AddressInfo).port;
      resolve({
        port,
        get sessionsClosed() {
          return state.sessionsClosed;
        },
        foreign: state.foreign,
        get maxWriteBuffer() {
          return state.maxWriteBuffer;
        },
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      });
    });
  });
}
