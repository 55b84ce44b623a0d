/**
 * Web platform types spelled through values Node's own typings declare, so
 * the published declarations typecheck for a Node user without the DOM
 * library (HeadersInit, BufferSource and BinaryType exist only there).
 *
 * @module
 */

/**
 * What `new Headers(init)` accepts: a Headers, a record or a list of pairs.
 *
 * @example
 * ```ts
 * import type { HeadersInitLike } from "./web_types.ts";
 * const init: HeadersInitLike = { "x-count": "3" };
 * new Headers(init);
 * ```
 */
export type HeadersInitLike = NonNullable<ConstructorParameters<typeof Headers>[0]>;

/**
 * Binary data a WebSocket sends: an ArrayBuffer or a view of one.
 *
 * @example
 * ```ts
 * import type { BufferSourceLike } from "./web_types.ts";
 * const data: BufferSourceLike = new Uint8Array([1, 2, 3]);
 * ```
 */
export type BufferSourceLike = ArrayBuffer | ArrayBufferView;

/**
 * How a WebSocket hands binary messages to the application.
 *
 * @example
 * ```ts
 * import type { BinaryTypeLike } from "./web_types.ts";
 * const t: BinaryTypeLike = "arraybuffer";
 * ```
 */
export type BinaryTypeLike = "blob" | "arraybuffer";
