/**
 * The PEM blocks inside a configuration file (host files carry the node's RSA public key; the
 * config parser skips them). Lines are matched as tinc's parser matches them: a block starts at a
 * line beginning with `-----BEGIN` and ends at the next line beginning with `-----END`.
 *
 * ```
 *   -----BEGIN RSA PUBLIC KEY-----     label = "RSA PUBLIC KEY"
 *   MIIBCgKCAQEA...                    body  = base64 lines joined, whitespace removed
 *   -----END RSA PUBLIC KEY-----
 * ```
 * @module
 */

/** One PEM block. */
export interface PemBlock {
  /** The text between `-----BEGIN ` and the closing dashes, e.g. `RSA PUBLIC KEY`. */
  label: string;
  /** The base64 body with all whitespace removed (not decoded). */
  base64: string;
  /** 1-based line of the BEGIN line. */
  line: number;
  /** False when the file ended before an END line. */
  complete: boolean;
}

/** Finds every PEM block in a file's text, in order. */
export function pemBlocks(text: string): PemBlock[] {
  const out: PemBlock[] = [];
  let current: PemBlock | undefined;
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const raw = lines[n]!.replace(/\r$/, "");
    if (current) {
      if (raw.startsWith("-----END")) {
        current.complete = true;
        out.push(current);
        current = undefined;
      } else if (!raw.startsWith("#")) {
        current.base64 += raw.replace(/\s+/g, "");
      }
      continue;
    }
    if (raw.startsWith("-----BEGIN")) {
      const label = raw.slice("-----BEGIN".length).replace(/-+\s*$/, "").trim();
      current = { label, base64: "", line: n + 1, complete: false };
    }
  }
  if (current) out.push(current);
  return out;
}
