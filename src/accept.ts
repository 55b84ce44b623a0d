/**
 * Which driver serves a new connection: ALPN on TLS, the preface sniff on
 * cleartext (`protocols` decides what a listener offers), the h2c Upgrade
 * hook where it is asked for, HTTP/3 for a QUIC session; and the facts every
 * request of the connection shares (with the context `onConnection` returns).
 *
 * @module
 */
import type { Transport } from "./transport/types.ts";
import type { QuicSession } from "./transport/quic_types.ts";
import type { ConnectionHello, Protocol } from "./types.ts";
import type { ServeOptions } from "./serve_options.ts";
import type { ResolvedProtocols } from "./options/protocols.ts";
import type { ServerHost } from "./fetch/host.ts";
import { Connection, type ConnectionFacts, type Counters } from "./fetch/info.ts";
import { Http1Driver } from "./http1/server/driver.ts";
import type { Http1Options } from "./http1/server/options.ts";
import { Http2Driver } from "./http2/server/driver.ts";
import type { Http2Options } from "./http2/server/options.ts";
import { h2cUpgrade } from "./http2/server/h2c_upgrade.ts";
import { Http3Driver } from "./http3/server/driver.ts";
import type { Http3Options } from "./http3/server/options.ts";
import { PrefaceSniffer } from "./sniff.ts";

/**
 * What the acceptor needs, resolved by the server.
 */
export interface AcceptOptions {
  /** HTTP/1.1 options with their defaults. */
  readonly http1: Http1Options;
  /** HTTP/2 options, or null when HTTP/2 is turned off. */
  readonly http2: Http2Options | null;
  /** What the listener accepts. */
  readonly protocols: ResolvedProtocols;
  /** The onConnection hook, if any. */
  readonly onConnection: ((hello: ConnectionHello) => object | void) | null;
  /** The onResponse hook, if any. */
  readonly onResponse: ServeOptions["onResponse"] | null;
  /** The server's counters, shared by every connection. */
  readonly counters: Counters;
}

/**
 * Starts the right driver for each accepted connection.
 */
export class Acceptor {
  readonly #host: ServerHost;
  readonly #o: AcceptOptions;

  constructor(host: ServerHost, options: AcceptOptions) {
    this.#host = host;
    this.#o = options;
  }

  /** A TCP, TLS or Unix connection was accepted. */
  accept(t: Transport): void {
    const host = this.#host;
    if (host.shuttingDown) {
      t.abort();
      return;
    }
    const { http1, http2: h2, protocols: p } = this.#o;
    if (t.secure) {
      // TLS: ALPN decides, among what the listener offers. No ALPN is HTTP/1.1 when it is served
      // (h2-only: HTTP/2, whose core answers anything but the preface with GOAWAY).
      const h2tls = h2 !== null && (t.alpn === "h2" || (t.alpn !== "http/1.1" && !p.http1));
      const facts = this.#facts(t, h2tls ? "h2" : "http/1.1");
      if (facts === null) return;
      if (h2tls) new Http2Driver(t, host, facts, h2).start();
      else new Http1Driver(t, host, facts, http1).start();
    } else if (h2 === null || !p.h2c) {
      // HTTP/1.1 only: no preface sniffing; h2c by Upgrade only where it was asked for.
      const facts = this.#facts(t, "http/1.1");
      if (facts === null) return;
      const upgrade = h2 !== null && p.h2cUpgrade ? h2cUpgrade(host, facts, h2) : null;
      new Http1Driver(t, host, facts, http1, upgrade).start();
    } else if (!p.http1) {
      // h2c only: every connection is HTTP/2; a bad preface gets GOAWAY PROTOCOL_ERROR (§3.4).
      const facts = this.#facts(t, "h2c");
      if (facts) new Http2Driver(t, host, facts, h2).start();
    } else {
      // Cleartext: the client preface means h2c with prior knowledge, anything else HTTP/1.1.
      // `Upgrade: h2c` switches it to h2c only when "h2c-upgrade" is listed (h2c smuggling).
      new PrefaceSniffer(t, host, http1.headersTimeout, (protocol, initial) => {
        const facts = this.#facts(t, protocol === "h2c" ? "h2c" : "http/1.1");
        if (facts === null) return;
        if (protocol === "h2c") {
          new Http2Driver(t, host, facts, h2).start(initial);
        } else {
          const upgrade = p.h2cUpgrade ? h2cUpgrade(host, facts, h2) : null;
          new Http1Driver(t, host, facts, http1, upgrade).start(initial);
        }
      });
    }
  }

  /** A QUIC session arrived on the HTTP/3 listener. */
  acceptQuic(session: QuicSession, h3: Http3Options): void {
    if (this.#host.shuttingDown) {
      session.close(0x100, "shutting down");
      return;
    }
    const t = { ...session, secure: true, alpn: "h3", abort: () => session.close(0x100, "") };
    const facts = this.#facts(t as unknown as Transport, "h3");
    if (facts !== null) new Http3Driver(session, this.#host, facts, h3).start();
  }

  /**
   * The facts every request of a connection shares, with the context the
   * onConnection hook returns. A hook that throws refuses the connection.
   */
  #facts(t: Transport, protocol: Protocol): ConnectionFacts | null {
    const id = new Connection();
    let context: object | null = null;
    const onConnection = this.#o.onConnection;
    if (onConnection) {
      try {
        context = onConnection({
          id: id.id,
          remoteAddr: t.remoteAddr,
          localAddr: t.localAddr,
          protocol,
          secure: t.secure,
          alpn: t.alpn,
          serverName: t.serverName,
        }) ?? null;
      } catch (e) {
        console.error("h2serve: onConnection refused a connection:", e);
        t.abort();
        return null;
      }
    }
    return {
      stats: this.#o.counters,
      remoteAddr: t.remoteAddr,
      localAddr: t.localAddr,
      protocol,
      secure: t.secure,
      serverName: t.serverName,
      connection: context === null ? id : new Connection(context, id.id),
      onResponse: this.#o.onResponse,
    };
  }
}
