/**
 * What `tinc generate-*-keys` does to a key or host file before appending a new key: earlier
 * keys of the same kind are commented out so that only the new one is read.
 *
 * ```
 *  -----BEGIN RSA PUBLIC KEY-----        #-----BEGIN RSA PUBLIC KEY-----
 *  MIIBCgKCAQEA…                  ──▶    #MIIBCgKCAQEA…
 *  -----END RSA PUBLIC KEY-----          #-----END RSA PUBLIC KEY-----
 *  Ed25519PublicKey = …                  #Ed25519PublicKey = …      (Ed25519 only)
 * ```
 * A block is disabled when its BEGIN line names the kind (" RSA " or " ED25519 "); for Ed25519
 * also every `Ed25519PublicKey` line (any case, followed by a blank, tab or `=`).
 * @module
 */

/** Which keys are being replaced. */
export type KeyKind = "RSA" | "Ed25519";

/** The file's text with old keys of `kind` commented out, and whether any were. */
export function disableOldKeys(text: string, kind: KeyKind): { text: string; disabled: boolean } {
  const marker = kind === "RSA" ? " RSA " : " ED25519 ";
  let inBlock = false;
  let disabled = false;
  const lines = text.split("\n");
  // A trailing newline leaves an empty last element that is not a line.
  const last = lines.length - 1;
  const out = lines.map((line, i) => {
    if (i === last && line === "") return line;
    if (!inBlock && line.startsWith("-----BEGIN ") && line.includes(marker)) {
      inBlock = true;
      disabled = true;
    }
    const keyLine = kind === "Ed25519" && /^Ed25519PublicKey[ \t=]/i.test(line);
    if (keyLine) disabled = true;
    const comment = inBlock || keyLine;
    if (inBlock && line.startsWith("-----END ")) inBlock = false;
    return comment ? `#${line}` : line;
  });
  return { text: out.join("\n"), disabled };
}
