/**
 * Our SETTINGS (RFC 9113 §6.5.3): what we advertise, and when each value
 * takes effect. Raises apply as soon as they are sent (the peer may only
 * send less than before), cuts once the peer acknowledges them;
 * MAX_CONCURRENT_STREAMS applies at once either way (REFUSED_STREAM is safe
 * to retry). The connection applies the effects through {@link SettingsHooks}.
 *
 * @module
 */
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW_SIZE } from "./frame/types.ts";
import type { H2CoreOptions } from "./conn_options.ts";
import { defaultSettings, SETTING_KEYS, SettingId, type Settings } from "./settings.ts";

/**
 * What changes in the connection when one of our settings takes effect.
 */
export interface SettingsHooks {
  /** New receive window of every stream. */
  localInitialWindow(value: number): void;
  /** Largest frame we accept. */
  localMaxFrameSize(value: number): void;
  /** Our HPACK decoder's table size. */
  localHeaderTableSize(value: number): void;
}

/**
 * The settings we may change after the start (see `H2Connection.updateSettings`).
 */
export type UpdatableSettings = Partial<
  Pick<
    Settings,
    | "headerTableSize"
    | "maxConcurrentStreams"
    | "initialWindowSize"
    | "maxFrameSize"
    | "maxHeaderListSize"
  >
>;

const UPDATABLE: Record<string, number> = {
  headerTableSize: SettingId.HEADER_TABLE_SIZE,
  maxConcurrentStreams: SettingId.MAX_CONCURRENT_STREAMS,
  initialWindowSize: SettingId.INITIAL_WINDOW_SIZE,
  maxFrameSize: SettingId.MAX_FRAME_SIZE,
  maxHeaderListSize: SettingId.MAX_HEADER_LIST_SIZE,
};

/**
 * Our settings in flight and in force.
 */
export class LocalSettings {
  /** Our settings the peer has acknowledged. */
  readonly inForce: Settings = defaultSettings();
  /** Receive window given to new streams. */
  initialWindow = DEFAULT_WINDOW_SIZE;
  /** Streams we accept at once (REFUSED_STREAM past it). */
  maxConcurrent: number;
  /** Largest frame we accept now. */
  maxFrameSize: number;
  readonly #hooks: SettingsHooks;
  readonly #pending: Array<Array<[number, number]>> = [];

  /**
   * @param maxConcurrent streams accepted until our SETTINGS say otherwise.
   * @param maxFrameSize largest frame the decoder accepts from the start.
   */
  constructor(maxConcurrent: number, maxFrameSize: number, hooks: SettingsHooks) {
    this.maxConcurrent = maxConcurrent;
    this.maxFrameSize = maxFrameSize;
    this.#hooks = hooks;
  }

  /** Our first SETTINGS: push off (unless a client enables it), and every value that differs from the protocol default. */
  static initial(o: Readonly<H2CoreOptions>): Array<[number, number]> {
    const s: Array<[number, number]> = [];
    if (o.headerTableSize !== 4096) s.push([SettingId.HEADER_TABLE_SIZE, o.headerTableSize]);
    s.push([SettingId.ENABLE_PUSH, o.side === "client" && o.enablePush ? 1 : 0]);
    s.push([SettingId.MAX_CONCURRENT_STREAMS, o.maxConcurrentStreams]);
    if (o.initialWindowSize !== DEFAULT_WINDOW_SIZE) {
      s.push([SettingId.INITIAL_WINDOW_SIZE, o.initialWindowSize]);
    }
    if (o.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE) {
      s.push([SettingId.MAX_FRAME_SIZE, o.maxFrameSize]);
    }
    s.push([SettingId.MAX_HEADER_LIST_SIZE, o.maxHeaderListSize]);
    if (o.enableConnectProtocol && o.side === "server") {
      s.push([SettingId.ENABLE_CONNECT_PROTOCOL, 1]);
    }
    return s;
  }

  /** The SETTINGS pairs for a change of updatable settings. */
  static pairs(changes: UpdatableSettings): Array<[number, number]> {
    const s: Array<[number, number]> = [];
    for (const [k, v] of Object.entries(changes)) {
      const id = UPDATABLE[k];
      if (id !== undefined && typeof v === "number") s.push([id, v]);
    }
    return s;
  }

  /** A SETTINGS frame of ours is being sent: raises take effect now. */
  sent(settings: Array<[number, number]>): void {
    this.#pending.push(settings);
    for (const [id, value] of settings) {
      if (id === SettingId.INITIAL_WINDOW_SIZE && value > this.initialWindow) {
        this.#setInitialWindow(value);
      } else if (id === SettingId.MAX_FRAME_SIZE && value > this.maxFrameSize) {
        this.#setMaxFrameSize(value);
      } else if (id === SettingId.MAX_CONCURRENT_STREAMS) {
        this.maxConcurrent = value;
      }
    }
  }

  /** The peer acknowledged our oldest SETTINGS: all of it is in force. False if none was pending. */
  acked(): boolean {
    const settings = this.#pending.shift();
    if (settings === undefined) return false;
    const ls = this.inForce;
    for (const [id, value] of settings) {
      const key = SETTING_KEYS[id];
      if (key === undefined) continue;
      ls[key] = value;
      if (id === SettingId.INITIAL_WINDOW_SIZE && value !== this.initialWindow) {
        this.#setInitialWindow(value);
      } else if (id === SettingId.MAX_FRAME_SIZE) {
        this.#setMaxFrameSize(value);
      } else if (id === SettingId.HEADER_TABLE_SIZE) {
        this.#hooks.localHeaderTableSize(value);
      }
    }
    return true;
  }

  #setInitialWindow(value: number): void {
    this.initialWindow = value;
    this.#hooks.localInitialWindow(value);
  }

  #setMaxFrameSize(value: number): void {
    this.maxFrameSize = value;
    this.#hooks.localMaxFrameSize(value);
  }
}
