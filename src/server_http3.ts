/**
 * HTTP/3 beside a TLS listener (the `http3` option): the checks made before
 * anything binds, the `alt-svc` header every HTTP/1.1 and HTTP/2 response
 * then carries, and the QUIC listener on the TLS listener's port (UDP).
 *
 * @module
 */
import type { Handler } from "./types.ts";
import type { ServeOptions } from "./serve_options.ts";
import type { TlsCertificate } from "./transport/types.ts";
import { OptionError } from "./options/validate.ts";
import { listenQuic, quicUnsupported } from "./transport/deno_quic.ts";
import type { QuicListenerHandle, QuicSession } from "./transport/quic_types.ts";
import { type Http3Options, resolveHttp3Options } from "./http3/server/options.ts";
import { altSvcValue, withAltSvc } from "./http3/server/alt_svc.ts";

/**
 * The HTTP/3 side of one server.
 */
export class Http3Listener {
  /** The resolved `http3` options. */
  readonly options: Http3Options;
  /** The alt-svc value, known once the port is bound. */
  #altSvc = "";

  private constructor(options: Http3Options) {
    this.options = options;
  }

  /**
   * The HTTP/3 side `options` ask for, or null. Throws (naming the option)
   * before anything binds, so a refused start leaves no listener behind.
   */
  static prepare(options: ServeOptions & { path?: string }): Http3Listener | null {
    if (!options.http3) return null;
    const h3 = resolveHttp3Options(options.http3);
    if (!options.tls || options.path !== undefined) {
      throw new OptionError("http3", "http3 needs tls (and a TCP port): QUIC is always TLS");
    }
    const why = quicUnsupported();
    if (why !== null) throw new Error(why);
    return new Http3Listener(h3);
  }

  /** `handler` with `alt-svc` on its responses (empty until listen()). */
  advertise(handler: Handler): Handler {
    return withAltSvc(handler, () => this.#altSvc);
  }

  /**
   * Listens on UDP `port` with the first certificate. `stop` refuses new
   * sessions; `close` releases the endpoint once its connections are gone.
   * Throws when the port cannot be bound.
   */
  listen(
    hostname: string,
    port: number,
    tls: TlsCertificate | TlsCertificate[],
    accept: (session: QuicSession) => void,
  ): QuicListenerHandle {
    const cert = [tls].flat()[0]!;
    const h3 = this.options;
    const quic = listenQuic({
      hostname,
      port,
      cert: cert.cert,
      key: cert.key,
      maxConcurrentStreams: h3.maxConcurrentStreams,
      // Silence past our idle GOAWAY (checked on the server's tick) ends the connection anyway.
      idleTimeout: h3.idleTimeout > 0 ? h3.idleTimeout + 5_000 : 30_000,
    }, accept);
    this.#altSvc = altSvcValue(port, h3.altSvcMaxAge);
    return quic;
  }
}
