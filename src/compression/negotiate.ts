/**
 * Accept-Encoding negotiation (RFC 9110 §12.5.3): q-values, `*`,
 * `identity;q=0`, and ties broken by the server's order.
 *
 * @module
 */

/**
 * A parsed Accept-Encoding: coding (lowercase) → qvalue.
 */
export type AcceptedCodings = Map<string, number>;

/** RFC 9110 §12.4.2 qvalue: 0, 1, 0.xxx or 1.000 (at most three decimals). */
const QVALUE = /^(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses an Accept-Encoding value. Members that do not parse are skipped
 * (a bad q makes the member count as not acceptable, the cautious reading).
 * A coding listed twice keeps its first weight.
 */
export function parseAcceptEncoding(value: string): AcceptedCodings {
  const out: AcceptedCodings = new Map();
  for (const member of value.split(",")) {
    const parts = member.split(";");
    const coding = (parts[0] ?? "").trim().toLowerCase();
    if (coding === "" || !TOKEN.test(coding)) continue;
    let q = 1;
    for (let i = 1; i < parts.length; i++) {
      const param = (parts[i] ?? "").trim();
      const eq = param.indexOf("=");
      if (eq < 0) continue;
      if (param.slice(0, eq).trim().toLowerCase() !== "q") continue;
      const raw = param.slice(eq + 1).trim();
      q = QVALUE.test(raw) ? Number(raw) : 0;
    }
    if (!out.has(coding)) out.set(coding, q);
  }
  return out;
}

/**
 * Picks the coding to send among `offered` (the server's order), or null
 * for identity. `header` null means the request had no Accept-Encoding: any
 * coding is acceptable (§12.5.3), but sending identity is the safe, usual
 * choice. An empty value asks for identity only. When nothing offered is
 * acceptable, identity is sent even if the client ruled it out: §12.5.3
 * leaves that to the server, and a readable answer beats a 406.
 */
export function chooseEncoding(
  header: string | null,
  offered: readonly string[],
): string | null {
  if (header === null) return null;
  const accepted = parseAcceptEncoding(header);
  if (accepted.size === 0) return null;
  const star = accepted.get("*");
  // Identity's weight when the client gave one (itself or through `*`). Unlisted, it is
  // acceptable but preferred by no one, so any coding with q > 0 beats it.
  const identity = accepted.get("identity") ?? star ?? 0;
  let best: string | null = null;
  let bestQ = 0;
  for (const coding of offered) {
    const q = accepted.get(coding) ?? star ?? 0;
    if (q > bestQ) {
      best = coding;
      bestQ = q;
    }
  }
  // A coding weighted below identity loses to it; an equal weight goes to the coding.
  if (best !== null && bestQ < identity) return null;
  return best;
}
