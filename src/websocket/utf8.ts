/**
 * An incremental UTF-8 validator: feed chunks of one message as they arrive
 * and learn at the first invalid byte, even when a code point is split across
 * frames. Rejects overlong forms, surrogates and code points above U+10FFFF
 * (the bounds of the second byte encode all three, as in the Unicode table
 * "Well-Formed UTF-8 Byte Sequences").
 *
 * @module
 */

/**
 * Validates UTF-8 incrementally.
 */
export class Utf8Validator {
  #need = 0;
  #lower = 0x80;
  #upper = 0xbf;

  /** Feeds bytes; false as soon as a byte cannot continue valid UTF-8. */
  push(bytes: Uint8Array, start = 0, end = bytes.length): boolean {
    if (this.#need < 0) return false;
    let need = this.#need;
    let lower = this.#lower;
    let upper = this.#upper;
    for (let i = start; i < end; i++) {
      const b = bytes[i]!;
      if (need === 0) {
        if (b < 0x80) continue;
        if (b >= 0xc2 && b <= 0xdf) need = 1;
        else if (b === 0xe0) (need = 2), (lower = 0xa0);
        else if (b === 0xed) (need = 2), (upper = 0x9f);
        else if (b >= 0xe1 && b <= 0xef) need = 2;
        else if (b === 0xf0) (need = 3), (lower = 0x90);
        else if (b === 0xf4) (need = 3), (upper = 0x8f);
        else if (b >= 0xf1 && b <= 0xf3) need = 3;
        else return this.#fail();
      } else {
        if (b < lower || b > upper) return this.#fail();
        lower = 0x80;
        upper = 0xbf;
        need--;
      }
    }
    this.#need = need;
    this.#lower = lower;
    this.#upper = upper;
    return true;
  }

  /** True when the bytes so far end on a code point boundary; resets for the next message. */
  end(): boolean {
    const ok = this.#need === 0;
    this.#need = 0;
    this.reset();
    return ok;
  }

  /** Forgets any partial code point. */
  reset(): void {
    this.#need = 0;
    this.#lower = 0x80;
    this.#upper = 0xbf;
  }

  #fail(): false {
    this.reset();
    this.#need = -1;
    return false;
  }
}

/**
 * Whether `bytes` is complete, valid UTF-8.
 */
export function isValidUtf8(bytes: Uint8Array): boolean {
  const v = new Utf8Validator();
  return v.push(bytes) && v.end();
}
