// Real traffic: UDP datagrams captured between two tinc 1.1 daemons (shared/fixtures/sptps-pre18)
// opened by the WASM core with the UDP-session keys recorded for each rekey round.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { coreBytes, fixturePath, fromHex } from "./test_core.ts";
import { WasmSptpsCipher } from "./sptps_wasm.ts";

interface Captured {
  frame: number;
  from: "carol" | "dave";
  bytes: Uint8Array;
}

/** `udp.txt`: `[n] ... pcap_frame=F ... src_id=ID seqno=S` then hexdump lines. */
function readCaptured(): Captured[] {
  const out: Captured[] = [];
  let current: Captured | undefined;
  for (const line of readFileSync(fixturePath("sptps-pre18", "udp.txt"), "utf8").split("\n")) {
    const head = /^\[\d+\] .*pcap_frame=(\d+) .*src_id=([0-9a-f]{12})/.exec(line);
    if (head) {
      current = {
        frame: Number(head[1]),
        from: head[2] === "ecbec19886c1" ? "carol" : "dave",
        bytes: new Uint8Array(),
      };
      out.push(current);
      continue;
    }
    const dump = /^ {2}[0-9a-f]{4} {2}((?:[0-9a-f]{2} ?)+)/.exec(line);
    if (dump && current) {
      const more = fromHex(dump[1]!.replace(/ /g, ""));
      const joined = new Uint8Array(current.bytes.length + more.length);
      joined.set(current.bytes);
      joined.set(more, current.bytes.length);
      current.bytes = joined;
    }
  }
  return out;
}

/** `udp-decrypted.txt`: frame → key round, record type, data length (datagram size - 12 - 21). */
function readDecrypted(): Map<number, { round: number; type: number; len: number }> {
  const out = new Map<number, { round: number; type: number; len: number }>();
  for (const line of readFileSync(fixturePath("sptps-pre18", "udp-decrypted.txt"), "utf8").split("\n")) {
    const m = /frame=(\d+) size=(\d+) .* key#(\d+) type=(\d+)/.exec(line);
    if (m) out.set(Number(m[1]), { round: Number(m[3]), type: Number(m[4]), len: Number(m[2]) - 33 });
  }
  return out;
}

/** `ephemeral-keys.txt`: per UDP round, [key_resp, key_init]. */
function readRoundKeys(): Array<{ resp: Uint8Array; init: Uint8Array }> {
  const text = readFileSync(fixturePath("sptps-pre18", "ephemeral-keys.txt"), "utf8");
  const rounds: Array<{ resp: Uint8Array; init: Uint8Array }> = [];
  for (const block of text.split("== UDP session round ").slice(1)) {
    const resp = /key_resp=([0-9a-f]{128})/.exec(block)![1]!;
    const init = /key_init=([0-9a-f]{128})/.exec(block)![1]!;
    rounds.push({ resp: fromHex(resp), init: fromHex(init) });
  }
  return rounds;
}

describe("captured tinc 1.1 UDP datagrams (sptps-pre18)", () => {
  test("every listed datagram opens under its round's key, with the logged type and length", () => {
    const captured = readCaptured();
    const decrypted = readDecrypted();
    const rounds = readRoundKeys();
    expect(captured.length).toBeGreaterThanOrEqual(20);
    expect(rounds.length).toBe(5);
    const port = WasmSptpsCipher.fromBytes(coreBytes());
    // Slot per (sender, round): carol initiated the UDP session, so she sends with key_init.
    rounds.forEach((keys, round) => {
      port.setKey(2 * round, "recv", keys.init);
      port.setKey(2 * round + 1, "recv", keys.resp);
      port.replayReset(2 * round, 16, "sptps");
      port.replayReset(2 * round + 1, 16, "sptps");
      // The same keys swapped and without a window: each datagram under the wrong direction's key.
      port.setKey(100 + 2 * round, "recv", keys.resp);
      port.setKey(100 + 2 * round + 1, "recv", keys.init);
      port.replayReset(100 + 2 * round, 0, "sptps");
      port.replayReset(100 + 2 * round + 1, 0, "sptps");
    });
    let opened = 0;
    for (const c of captured) {
      const info = decrypted.get(c.frame);
      expect(info).toBeDefined();
      const slot = 2 * info!.round + (c.from === "carol" ? 0 : 1);
      // 6-byte destination ID, 6-byte source ID, then the SPTPS datagram record.
      const r = port.open(slot, c.bytes.subarray(12));
      expect(r).toMatchObject({ ok: true, type: info!.type });
      if (r.ok) expect(r.data.length).toBe(info!.len);
      // The same datagram under the other direction's key is rejected.
      expect(port.open(100 + slot, c.bytes.subarray(12))).toMatchObject({ ok: false, reason: "bad-tag" });
      opened++;
    }
    expect(opened).toBe(captured.length);
  });
});
