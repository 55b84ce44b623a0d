/**
 * The /json body of the compression scenarios: about 100 KB of JSON, built
 * the same way in every peer so sizes and compression ratios match.
 *
 * @module
 */

/** Target size of the JSON body, in bytes. */
export const JSON_BYTES = 100 * 1024;

function build(): string {
  const items: unknown[] = [];
  let size = 0;
  for (let i = 0; size < JSON_BYTES - 200; i++) {
    const item = {
      id: i,
      name: `item ${i}`,
      tags: ["alpha", "beta", i % 3 === 0 ? "gamma" : "delta"],
      price: Math.round((i * 7919) % 10000) / 100,
      active: i % 2 === 0,
    };
    size += JSON.stringify(item).length + 1;
    items.push(item);
  }
  return JSON.stringify({ items });
}

/** The body, built once per process. */
export const JSON_100K: string = build();

/** The same data as an object, for `Response.json(obj)` (stringified per request). */
export const JSON_OBJ: unknown = JSON.parse(JSON_100K);
