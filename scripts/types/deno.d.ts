// The part of the Deno namespace that src/transport/deno.ts uses, so that tsc
// (the npm build) can compile that file without Deno's own type library.
declare namespace Deno {
  interface NetAddr {
    transport: "tcp" | "udp";
    hostname: string;
    port: number;
  }
  interface UnixAddr {
    transport: "unix" | "unixpacket";
    path: string;
  }
  type Addr = NetAddr | UnixAddr;
  interface Conn {
    readonly localAddr: Addr;
    readonly remoteAddr: Addr;
    read(p: Uint8Array): Promise<number | null>;
    write(p: Uint8Array): Promise<number>;
    closeWrite(): Promise<void>;
    close(): void;
  }
  interface TcpConn extends Conn {
    setNoDelay(noDelay?: boolean): void;
  }
  interface TlsHandshakeInfo {
    alpnProtocol: string | null;
  }
  interface TlsConn extends Conn {
    handshake(): Promise<TlsHandshakeInfo>;
  }
  interface Listener {
    readonly addr: Addr;
    accept(): Promise<Conn>;
    close(): void;
    ref(): void;
    unref(): void;
  }
  const errors: {
    BadResource: new (...args: unknown[]) => Error;
    Interrupted: new (...args: unknown[]) => Error;
  };
  function listen(options: {
    hostname?: string;
    port: number;
    transport?: "tcp";
    reusePort?: boolean;
  }): Listener;
  function listen(options: { transport: "unix"; path: string }): Listener;
  function listenTls(options: {
    hostname?: string;
    port: number;
    reusePort?: boolean;
    cert: string;
    key: string;
    alpnProtocols?: string[];
  }): Listener;
  function unrefTimer(id: number): void;
}

// Deno's fetch client, used by the interop tests when they run on Deno.
declare namespace Deno {
  interface HttpClient {
    close(): void;
  }
  function createHttpClient(options: {
    http1?: boolean;
    http2?: boolean;
    caCerts?: string[];
  }): HttpClient;
}
interface RequestInit {
  client?: Deno.HttpClient;
}
