// The HTTP/2 connection table (core) and the driver's own table: every pair has
// a row; a graceful GOAWAY before the handshake is a state of its own.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, H2Connection } from "../../src/http2/core/mod.ts";
import {
  CONN_TABLE,
  ConnAction,
  ConnInput,
  ConnState,
  connTransition,
} from "../../src/http2/core/conn_table.ts";
import { DRIVER_TABLE, DriverEvent, DriverState } from "../../src/http2/server/driver_table.ts";
import { goaway, goawayOf, ping, preface, settings } from "../support/http2_frames.ts";
import { FrameDecoder } from "../../src/http2/core/frame/decoder.ts";
import type { Frame } from "../../src/http2/core/frame/types.ts";

const STATES = Object.values(ConnState).filter((v): v is ConnState => typeof v === "number");
const INPUTS = Object.values(ConnInput).filter((v): v is ConnInput => typeof v === "number");

function frames(bytes: Uint8Array): Frame[] {
  const d = new FrameDecoder();
  d.push(bytes);
  const out: Frame[] = [];
  for (let f = d.next(); f !== null; f = d.next()) out.push(f);
  return out;
}

function output(conn: H2Connection): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let o = conn.takeOutput(); o !== null; o = conn.takeOutput()) parts.push(o);
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) all.set(p, (at += p.byteLength) - p.byteLength);
  return all;
}

describe("h2: connection table", () => {
  it("has a row for every (state, input) pair", () => {
    assert.deepEqual(CONN_TABLE.missing(), []);
    assert.equal(CONN_TABLE.rows.length, STATES.length * INPUTS.length);
  });

  it("ERROR closes from every state; only the handshake states refuse frames", () => {
    for (const s of STATES) {
      assert.deepEqual({ ...connTransition(s, ConnInput.ERROR) }, {
        next: ConnState.CLOSED,
        action: ConnAction.OK,
      });
      const early = s === ConnState.AWAIT_PREFACE || s === ConnState.AWAIT_SETTINGS ||
        s === ConnState.AWAIT_PREFACE_GOAWAY || s === ConnState.AWAIT_SETTINGS_GOAWAY;
      assert.equal(
        connTransition(s, ConnInput.OTHER_FRAME).action,
        early ? ConnAction.PROTOCOL_ERROR : ConnAction.OK,
        ConnState[s],
      );
    }
  });

  it("a graceful GOAWAY before the handshake: AWAIT_*_GOAWAY, then DRAINING once SETTINGS arrive", () => {
    const conn = new H2Connection();
    conn.initiate();
    output(conn);
    conn.goAway(ErrorCode.NO_ERROR);
    assert.equal(conn.state, ConnState.AWAIT_PREFACE_GOAWAY);
    assert.equal(conn.closed, true, "nothing is open: done once the output is written");
    assert.deepEqual(goawayOf(frames(output(conn))), { lastStreamId: 0, code: 0 });
    conn.receive(preface());
    assert.equal(conn.state, ConnState.AWAIT_SETTINGS_GOAWAY);
    conn.receive(settings());
    assert.equal(conn.state, ConnState.DRAINING);
  });

  it("a frame other than SETTINGS first is a PROTOCOL_ERROR, GOAWAY sent or not", () => {
    for (const early of [false, true]) {
      const conn = new H2Connection();
      conn.initiate();
      if (early) conn.goAway(ErrorCode.NO_ERROR);
      output(conn);
      const events = conn.receive(new Uint8Array([...preface(), ...ping()]));
      assert.equal(conn.state, ConnState.CLOSED);
      const err = events.find((e) => e.type === "connection-error");
      assert.ok(err !== undefined && err.type === "connection-error");
      assert.equal(err.code, ErrorCode.PROTOCOL_ERROR);
      assert.equal(err.reason, "first frame is not SETTINGS");
    }
  });

  it("a received GOAWAY drains an open connection", () => {
    const conn = new H2Connection();
    conn.receive(new Uint8Array([...preface(), ...settings(), ...goaway(0, 0)]));
    assert.equal(conn.state, ConnState.DRAINING);
  });
});

describe("h2 driver: its own table", () => {
  const STATES = [0, 1, 2, 3] as DriverState[];
  const EVENTS = [0, 1, 2] as DriverEvent[];

  it("has a row for every (state, event) pair", () => {
    assert.deepEqual(DRIVER_TABLE.missing(), []);
  });

  it("the handshake ends at the ACK; CLOSE and the socket's end are final", () => {
    assert.equal(
      DRIVER_TABLE.next(DriverState.HANDSHAKE, DriverEvent.SETTINGS_ACKED),
      DriverState.READY,
    );
    for (const s of STATES) {
      assert.equal(DRIVER_TABLE.next(s, DriverEvent.SOCKET_CLOSED), DriverState.CLOSED);
      if (s !== DriverState.CLOSED) {
        assert.equal(DRIVER_TABLE.next(s, DriverEvent.CLOSE), DriverState.CLOSING);
      }
    }
    for (const e of EVENTS) {
      assert.equal(DRIVER_TABLE.next(DriverState.CLOSED, e), DriverState.CLOSED);
      assert.notEqual(DRIVER_TABLE.next(DriverState.CLOSING, e), DriverState.READY);
    }
  });
});
