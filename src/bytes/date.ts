/**
 * The IMF-fixdate for the `date` response header, formatted at most once per second.
 *
 * @module
 */

let cachedSecond = -1;
let cachedValue = "";

/**
 * The current HTTP date (RFC 9110 §5.6.7), or that of `now` (ms since the
 * epoch, a clock the caller already read), cached per second.
 */
export function httpDate(now: number = Date.now()): string {
  const second = Math.floor(now / 1000);
  if (second !== cachedSecond) {
    cachedSecond = second;
    cachedValue = new Date(second * 1000).toUTCString();
  }
  return cachedValue;
}
