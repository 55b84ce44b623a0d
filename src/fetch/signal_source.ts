/**
 * Where a request's signal comes from (the Exchange): the one type that
 * request.ts and lazy_request.ts share, in its own module so neither
 * imports the other for it.
 *
 * @module
 */

/** Where a request's signal comes from; created only if the application asks. */
export interface SignalSource {
  /** The signal that aborts when the client goes away. */
  readonly signal: AbortSignal;
}
