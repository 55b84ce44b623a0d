/**
 * Facts about response status codes that both protocols need.
 *
 * @module
 */

/**
 * Statuses whose responses never carry content (RFC 9110 §6.4.1): 1xx, 204, 304.
 */
export function bodyless(status: number): boolean {
  return status === 204 || status === 304 || (status >= 100 && status < 200);
}
