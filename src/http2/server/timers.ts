/**
 * The HTTP/2 driver's clocks: the idle timeout, PING liveness, the SETTINGS
 * exchange allowance, the send-timeout check and the blocked-socket meter.
 * This class only keeps times and decides what is due (`run`); the driver
 * acts (GOAWAY, PING, reset, close) through {@link TimerActions}. Times are ms since the epoch; 0 means unset.
 *
 * @module
 */

/**
 * The options the timers read (a subset of Http2Options).
 */
export interface TimerOptions {
  /** Close a connection with no stream for this long. */
  readonly idleTimeout: number;
  /** PING a busy connection that has been silent for this long. */
  readonly pingInterval: number;
  /** Declare the peer dead if nothing arrives this long after our PING. */
  readonly pingTimeout: number;
  /** Stalled stream / unread socket allowance. */
  readonly sendTimeout: number;
  /** Allowance for the preface + SETTINGS exchange. */
  readonly settingsTimeout: number;
}

/**
 * What the idle / PING timer asks the driver to do.
 */
export enum IdleAction {
  /** Nothing (the timer was re-armed). */
  NONE = 0,
  /** Idle for idleTimeout: GOAWAY NO_ERROR and close. */
  CLOSE_IDLE = 1,
  /** No answer to our PING: abort the streams, GOAWAY and close. */
  PEER_DEAD = 2,
  /** Send a liveness PING. */
  PING = 3,
}

/**
 * What the driver does when a timer is due: the timers decide, these act.
 */
export interface TimerActions {
  /** Closing or closed. */
  ending(): boolean;
  /** No stream is open, here or in the core. */
  idle(): boolean;
  /** A close that could not flush for sendTimeout: drop the socket. */
  abortSocket(): void;
  /** Answered uploads whose wait ran out: send their resets. */
  answeredResetsDue(now: number): void;
  /** Our SETTINGS were not acknowledged within settingsTimeout. */
  settingsTimedOut(): void;
  /** The send-timeout check; returns whether anything is still watched (streams or queued DATA). */
  checkSends(now: number): boolean;
  /** Idle for idleTimeout: GOAWAY NO_ERROR and close. */
  closeIdle(): void;
  /** No answer to our PING: abort the streams, GOAWAY and close. */
  peerDead(): void;
  /** Send a liveness PING. */
  ping(): void;
}

/**
 * Deadlines of one HTTP/2 connection.
 */
export class DriverTimers {
  /** Idle / PING timer, 0 for none. */
  idleOrPingAt = 0;
  /** Next send-timeout check, 0 for none. */
  sendCheckAt = 0;
  /** End of the SETTINGS exchange allowance, 0 once the handshake is done. */
  handshakeAt = 0;
  /** Since when the socket has refused writes (0: not blocked). */
  blockedSince = 0;
  /** Something arrived since the last liveness check. */
  activity = false;
  readonly #o: TimerOptions;
  #idleSince = 0;
  #pingOut = false;

  constructor(options: TimerOptions, now: number) {
    this.#o = options;
    if (options.settingsTimeout > 0) this.handshakeAt = now + options.settingsTimeout;
  }

  /** The earliest deadline, 0 for none. */
  get next(): number {
    let d = this.idleOrPingAt;
    const s = this.sendCheckAt;
    if (s !== 0 && (d === 0 || s < d)) d = s;
    const h = this.handshakeAt;
    if (h !== 0 && (d === 0 || h < d)) d = h;
    return d;
  }

  /** Whether a deadline (one of the fields above) has passed. */
  static due(at: number, now: number): boolean {
    return at !== 0 && at <= now;
  }

  /** The last stream finished: the idle timeout runs (the send check stops unless DATA is queued). */
  becameIdle(now: number, stillSending: boolean): void {
    if (!stillSending) this.sendCheckAt = 0;
    this.#idleSince = now;
    const ms = this.#o.idleTimeout;
    this.idleOrPingAt = ms > 0 ? now + ms : 0;
  }

  /** A first stream opened: liveness PINGs and the send check run. */
  becameBusy(now: number): void {
    this.armSendCheck(now);
    const ms = this.#o.pingInterval;
    this.activity = false;
    this.#pingOut = false;
    this.idleOrPingAt = ms > 0 ? now + ms : 0;
  }

  /** The peer answered our PING. */
  pingAcked(): void {
    this.#pingOut = false;
  }

  /** Schedules the next send-timeout check (twice per sendTimeout). */
  armSendCheck(now: number): void {
    const ms = this.#o.sendTimeout;
    this.sendCheckAt = ms > 0 ? now + Math.max(1, ms / 2) : 0;
  }

  /** Closing: only the cut-off for a close that cannot flush remains (sendTimeout). */
  closing(now: number): void {
    const ms = this.#o.sendTimeout;
    this.idleOrPingAt = this.handshakeAt = 0;
    this.sendCheckAt = ms > 0 ? now + ms : 0;
  }

  /** Closed: no deadline at all. */
  clear(): void {
    this.idleOrPingAt = this.sendCheckAt = this.handshakeAt = 0;
  }

  /** The socket refused a write (starts the blocked meter). */
  blocked(now: number): void {
    this.blockedSince = now;
  }

  /** Whether the socket has refused writes for sendTimeout. */
  socketStalled(now: number): boolean {
    return this.blockedSince !== 0 && now - this.blockedSince >= this.#o.sendTimeout;
  }

  /** A deadline passed: what is due at `now`, acted on in order through `act`. */
  run(now: number, act: TimerActions): void {
    const due = DriverTimers.due;
    if (act.ending()) {
      // A close that cannot flush (the client does not read) is cut off after sendTimeout.
      this.idleOrPingAt = this.handshakeAt = 0;
      if (due(this.sendCheckAt, now)) {
        this.sendCheckAt = 0;
        act.abortSocket();
      }
      return;
    }
    act.answeredResetsDue(now);
    if (due(this.handshakeAt, now)) {
      this.handshakeAt = 0;
      act.settingsTimedOut();
      return;
    }
    if (due(this.sendCheckAt, now)) {
      const watching = act.checkSends(now);
      if (act.ending()) return;
      if (watching) this.armSendCheck(now);
      else this.sendCheckAt = 0;
    }
    if (!due(this.idleOrPingAt, now)) return;
    switch (this.idleOrPing(now, act.idle())) {
      case IdleAction.CLOSE_IDLE:
        return act.closeIdle();
      case IdleAction.PEER_DEAD:
        return act.peerDead();
      case IdleAction.PING:
        return act.ping();
      case IdleAction.NONE:
        return;
    }
  }

  /** The idle / PING timer fired: what to do (`idle` = no stream is open). */
  idleOrPing(now: number, idle: boolean): IdleAction {
    const o = this.#o;
    if (idle) {
      if (o.idleTimeout > 0 && now - this.#idleSince >= o.idleTimeout) return IdleAction.CLOSE_IDLE;
      this.idleOrPingAt = o.idleTimeout > 0 ? this.#idleSince + o.idleTimeout : 0;
      return IdleAction.NONE;
    }
    if (o.pingInterval <= 0) {
      this.idleOrPingAt = 0;
      return IdleAction.NONE;
    }
    if (this.activity) {
      this.activity = false;
      this.#pingOut = false;
      this.idleOrPingAt = now + o.pingInterval;
      return IdleAction.NONE;
    }
    // Nothing, not even the PING ACK, for pingTimeout: the peer is gone.
    if (this.#pingOut) return IdleAction.PEER_DEAD;
    this.#pingOut = true;
    this.idleOrPingAt = now + o.pingTimeout;
    return IdleAction.PING;
  }
}
