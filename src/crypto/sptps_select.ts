/**
 * Which SPTPS record cipher the daemon runs: libcrypto 3 through bun:ffi where the host has it
 * (several times faster, see wasm/README.md "Performance notes"), else the WASM core, which
 * works everywhere. Both implement the same ports and produce the same bytes.
 * @module
 */
import type { SptpsBatchPort, SptpsCipherPort } from "../core/crypto/cipher_port.ts";
import { NativeSptpsCipher, type NativeSptpsOptions } from "./sptps_native.ts";
import { WasmSptpsCipher } from "./sptps_wasm.ts";

/** "auto" tries libcrypto, then the WASM core; the others insist on one. */
export type SptpsCipherPreference = "auto" | "libcrypto" | "wasm";

/** The chosen implementation and why. */
export interface SelectedSptpsCipher {
  port: SptpsCipherPort & SptpsBatchPort;
  implementation: "libcrypto" | "wasm";
  /** The library path, or why libcrypto was not used (for the log). */
  detail: string;
}

/**
 * Reads a preference as given by the user (e.g. an environment variable); unset is "auto".
 * @returns the preference, or undefined for a value that names none
 */
export function parseSptpsCipherPreference(text: string | undefined): SptpsCipherPreference | undefined {
  const t = (text ?? "").trim().toLowerCase();
  if (t === "" || t === "auto") return "auto";
  if (t === "libcrypto" || t === "native" || t === "openssl") return "libcrypto";
  if (t === "wasm") return "wasm";
  return undefined;
}

/**
 * Creates the record cipher for a preference. `loadWasm` is called only when the WASM core is
 * needed. Throws an Error when "libcrypto" is insisted on and cannot be loaded.
 */
export function selectSptpsCipher(
  preference: SptpsCipherPreference,
  loadWasm: () => Uint8Array,
  options: NativeSptpsOptions = {},
): SelectedSptpsCipher {
  if (preference !== "wasm") {
    const native = NativeSptpsCipher.tryCreate(options);
    if (native.ok) return { port: native.port, implementation: "libcrypto", detail: native.library };
    if (preference === "libcrypto") throw new Error(`Cannot use libcrypto for SPTPS: ${native.reason}`);
    return {
      port: WasmSptpsCipher.fromBytes(loadWasm()),
      implementation: "wasm",
      detail: `libcrypto 3 not usable (${native.reason})`,
    };
  }
  return { port: WasmSptpsCipher.fromBytes(loadWasm()), implementation: "wasm", detail: "chosen" };
}
