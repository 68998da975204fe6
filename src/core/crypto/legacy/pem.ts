/**
 * PEM armour as OpenSSL reads and writes it: a labelled base64 block inside a text file that may
 * hold other lines (tinc's hosts/NAME mixes `Key = value` lines with the key block).
 *
 * ```
 *   -----BEGIN <LABEL>-----
 *   <base64 of DER, 64 characters per line>
 *   -----END <LABEL>-----
 * ```
 * @module
 */
import { fromBase64, toBase64 } from "./bytes.ts";
import { err, type Result } from "./result.ts";

/**
 * Finds the first block whose label is exactly `label` and decodes its body. Blocks with other
 * labels (such as `OLD RSA PUBLIC KEY`, left by key regeneration) are skipped, as OpenSSL does.
 * Encrypted blocks (with `Proc-Type:` headers) are refused.
 */
export function findPemBlock(text: string, label: string): Result<Uint8Array> {
  const begin = `-----BEGIN ${label}-----`;
  const end = `-----END ${label}-----`;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== begin) continue;
    const body: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const line = lines[j]!.trim();
      if (line === end) {
        if (body.some((l) => l.includes(":"))) return err(`encrypted or annotated PEM block "${label}"`);
        return fromBase64(body.join(""));
      }
      if (line.startsWith("-----")) return err(`PEM block "${label}" is not terminated`);
      body.push(line);
    }
    return err(`PEM block "${label}" is not terminated`);
  }
  return err(`no PEM block "${label}"`);
}

/** Formats DER bytes as a PEM block with 64-character lines and a final newline. */
export function formatPem(label: string, der: Uint8Array): string {
  const b64 = toBase64(der);
  let out = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) out += b64.slice(i, i + 64) + "\n";
  return out + `-----END ${label}-----\n`;
}
