import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { legacyDatagramSize, readUdpRecords } from "./pcap_udp.ts";

function record(frame: Uint8Array): Uint8Array {
  const h = new DataView(new ArrayBuffer(16));
  h.setUint32(8, frame.length, true);
  h.setUint32(12, frame.length, true);
  return new Uint8Array([...new Uint8Array(h.buffer), ...frame]);
}

function udp4(payload: number): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + payload);
  const v = new DataView(f.buffer);
  v.setUint16(12, 0x0800);
  f[14] = 0x45;
  f[14 + 9] = 17;
  f.set([10, 250, 0, 1], 14 + 12);
  f.set([10, 250, 0, 2], 14 + 16);
  v.setUint16(34, 655);
  v.setUint16(36, 40000);
  v.setUint16(38, payload + 8);
  return f;
}

describe("pcap UDP reader", () => {
  test("reads IPv4 UDP records and skips others; the size rule", () => {
    const dir = mkdtempSync(join(tmpdir(), "pcap-"));
    try {
      const hdr = new DataView(new ArrayBuffer(24));
      hdr.setUint32(0, 0xa1b2c3d4, true);
      hdr.setUint32(20, 1, true);
      const tcp = udp4(3);
      tcp[14 + 9] = 6;
      const parts = [new Uint8Array(hdr.buffer), record(udp4(164)), record(tcp), record(udp4(20))];
      const file = join(dir, "a.pcap");
      writeFileSync(file, Buffer.concat(parts));
      const r = readUdpRecords(file);
      expect(r).toEqual([
        { src: "10.250.0.1", dst: "10.250.0.2", sport: 655, dport: 40000, payload: 164 },
        { src: "10.250.0.1", dst: "10.250.0.2", sport: 655, dport: 40000, payload: 20 },
      ]);
      // 142-byte frame (ping -s 100 with its Ethernet header): 4-byte seqno + 1 pad byte at least.
      expect(legacyDatagramSize(142, 4)).toBe(164);
      expect(legacyDatagramSize(11, 4)).toBe(20);
      expect(legacyDatagramSize(12, 4)).toBe(36);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
