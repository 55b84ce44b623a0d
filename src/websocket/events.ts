/**
 * Event constructors for the socket: the platform's CloseEvent and
 * ErrorEvent where the runtime has them, a plain Event with the same fields
 * otherwise.
 *
 * @module
 */

/**
 * A `close` event with `code`, `reason` and `wasClean`.
 */
export function closeEvent(code: number, reason: string, wasClean: boolean): Event {
  const C = (globalThis as { CloseEvent?: typeof CloseEvent }).CloseEvent;
  if (C) return new C("close", { code, reason, wasClean });
  return Object.assign(new Event("close"), { code, reason, wasClean });
}

/**
 * An `error` event with `message`.
 */
export function errorEvent(message: string): Event {
  const E = (globalThis as { ErrorEvent?: typeof ErrorEvent }).ErrorEvent;
  if (E) return new E("error", { message, error: new Error(message) });
  return Object.assign(new Event("error"), { message });
}
