// The daemon's choice of record cipher: libcrypto where it loads, else the WASM core, and the two
// interoperate (one seals, the other opens) since a peer may run either.
import { describe, expect, test } from "bun:test";
import { coreBytes } from "./test_core.ts";
import { parseSptpsCipherPreference, selectSptpsCipher } from "./sptps_select.ts";

describe("selectSptpsCipher", () => {
  test("preferences parse; unknown words are refused", () => {
    expect(parseSptpsCipherPreference(undefined)).toBe("auto");
    expect(parseSptpsCipherPreference(" WASM ")).toBe("wasm");
    expect(parseSptpsCipherPreference("native")).toBe("libcrypto");
    expect(parseSptpsCipherPreference("aes")).toBeUndefined();
  });

  test("wasm is loaded only when chosen or needed", () => {
    let loads = 0;
    const load = () => (loads++, coreBytes());
    const wasm = selectSptpsCipher("wasm", load);
    expect([wasm.implementation, loads]).toEqual(["wasm", 1]);
    const auto = selectSptpsCipher("auto", load);
    if (auto.implementation === "libcrypto") expect(loads).toBe(1);
    else expect([loads, auto.detail]).toEqual([2, expect.stringContaining("libcrypto 3 not usable")]);
  });

  test.if(process.platform === "linux")(
    "on Linux auto picks libcrypto, and it interoperates with the WASM core",
    () => {
      const native = selectSptpsCipher("auto", coreBytes, { slots: 4 });
      const wasm = selectSptpsCipher("wasm", coreBytes);
      expect(native.implementation).toBe("libcrypto");
      const key = Uint8Array.from({ length: 64 }, (_, i) => i ^ 0x5c);
      for (const p of [native.port, wasm.port]) {
        p.setKey(3, "send", key);
        p.setKey(3, "recv", key);
        p.replayReset(3, 16, "sptps");
      }
      const data = Uint8Array.from({ length: 1400 }, (_, i) => i & 0xff);
      expect(wasm.port.open(3, native.port.seal(3, 1, 0, data))).toEqual({
        ok: true,
        type: 0,
        seqno: 1,
        data,
      });
      expect(native.port.open(3, wasm.port.seal(3, 2, 5, data))).toEqual({
        ok: true,
        type: 5,
        seqno: 2,
        data,
      });
    },
  );

  test("insisting on libcrypto where it cannot load is an error with the reason", () => {
    // Only checkable where it is absent; elsewhere the insisted choice must succeed.
    const r = (() => {
      try {
        return selectSptpsCipher("libcrypto", coreBytes).implementation;
      } catch (e) {
        return e instanceof Error ? e.message : "non-error";
      }
    })();
    expect(r === "libcrypto" || r.startsWith("Cannot use libcrypto for SPTPS:")).toBe(true);
  });
});
