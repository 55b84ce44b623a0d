/**
 * The idle pings of every WebSocket session in the process: one timer per
 * period (idleTimeout/2) for all the sessions that use it, made when the
 * first of them joins and cleared when the last leaves. A timer per session
 * cost each idle socket a timer object, its closure and the runtime's entry
 * for it (issue #30); a Set entry is all a member costs here.
 *
 * A member joins at any phase of the shared period, so it counts the time
 * before its first tick as heard (session.ts): its first ping comes after
 * one to two periods of silence, as every later one already did.
 *
 * @module
 */

/** A session as the shared timer sees it. */
export interface IdleMember {
  /** One period passed: ping, close, or note that the peer was heard. */
  idleTick(): void;
}

interface Wheel {
  timer: ReturnType<typeof setInterval>;
  members: Set<IdleMember>;
}

const wheels = new Map<number, Wheel>();

/** A timer must not keep a process alive on its own (Deno: Deno.unrefTimer; Node, Bun: unref). */
export function unrefTimer(t: ReturnType<typeof setInterval>): void {
  const deno = (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno;
  if (typeof t === "number" && deno?.unrefTimer) deno.unrefTimer(t);
  else (t as { unref?: () => void }).unref?.();
}

/** Adds `m` to the timer ticking every `periodMs`, made now if it is the first. */
export function joinIdle(periodMs: number, m: IdleMember): void {
  let w = wheels.get(periodMs);
  if (w === undefined) {
    const members = new Set<IdleMember>();
    const timer = setInterval(() => {
      for (const x of members) x.idleTick(); // a member leaving meanwhile is skipped
    }, periodMs);
    unrefTimer(timer);
    wheels.set(periodMs, w = { timer, members });
  }
  w.members.add(m);
}

/** Removes `m`; the timer goes with its last member. */
export function leaveIdle(periodMs: number, m: IdleMember): void {
  const w = wheels.get(periodMs);
  if (w === undefined || !w.members.delete(m) || w.members.size > 0) return;
  clearInterval(w.timer);
  wheels.delete(periodMs);
}

/** Timers and members now (tests: sessions share one timer per period). */
export function idlePingCounts(): { timers: number; members: number } {
  let members = 0;
  for (const w of wheels.values()) members += w.members.size;
  return { timers: wheels.size, members };
}
