import { describe, expect, test } from "bun:test";
import type { Libc } from "./libc.ts";
import { errnoEagain } from "./libc.ts";
import { ETH_HEADER, ethertypeFromVersion, frameReader, frameWriter } from "./tun_frame.ts";
import { FakeTun } from "./tun.ts";

/** A libc whose read() returns queued packets and whose write() records what it is given. */
function fakeLibc(packets: Uint8Array[]) {
  const written: Uint8Array[] = [];
  let errno = 0;
  const c = {
    read: (_fd: number, buf: Uint8Array, len: number) => {
      const p = packets.shift();
      if (!p) {
        errno = errnoEagain;
        return -1;
      }
      const n = Math.min(p.length, len);
      buf.set(p.subarray(0, n));
      return n;
    },
    write: (_fd: number, buf: Uint8Array, len: number) => {
      written.push(buf.slice(0, len));
      return len;
    },
    errno: () => errno,
  } as unknown as Libc;
  return { c, written };
}

const ipv4 = Uint8Array.from([0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
const ipv6 = Uint8Array.from([0x60, ...new Array(39).fill(0)]);

describe("frame codecs", () => {
  test("Linux TUN with tun_pi: the kernel's proto becomes the ethertype, the rest of the header zero", () => {
    const pi = Uint8Array.from([0x00, 0x80, 0x08, 0x00]); // flags with a bit other than STRIP set: cleared
    const { c, written } = fakeLibc([Uint8Array.from([...pi, ...ipv4])]);
    const frame = new Uint8Array(100).fill(0xee);
    const n = frameReader("linux-tun-pi")(c, 3, frame);
    expect(n).toBe(ETH_HEADER + ipv4.length);
    expect([...frame.subarray(0, 14)]).toEqual([...new Array(12).fill(0), 0x08, 0x00]);
    expect([...frame.subarray(14, n)]).toEqual([...ipv4]);
    // Nothing more to read: 0, not an error.
    expect(frameReader("linux-tun-pi")(c, 3, frame)).toBe(0);
    // A packet the kernel had to cut (TUN_PKT_STRIP) is dropped.
    const cut = fakeLibc([Uint8Array.from([0x01, 0x00, 0x08, 0x00, ...ipv4])]);
    expect(frameReader("linux-tun-pi")(cut.c, 3, new Uint8Array(100))).toBe(0);
    // Writing rebuilds the tun_pi from bytes 10..13 of the frame, even with MACs present.
    frame.fill(0xaa, 0, 12);
    expect(frameWriter("linux-tun-pi")(c, 3, frame, n)).toBe(n);
    expect([...written[0]!]).toEqual([0, 0, 0x08, 0x00, ...ipv4]);
  });

  test("macOS utun: AF header in, ethertype from the version nibble; AF header out", () => {
    const af6 = Uint8Array.from([0, 0, 0, 30]);
    const { c, written } = fakeLibc([
      Uint8Array.from([...af6, ...ipv6]),
      Uint8Array.from([0, 0, 0, 2, 0x12, 0]),
    ]);
    const frame = new Uint8Array(100);
    const n = frameReader("utun-af")(c, 3, frame);
    expect(n).toBe(14 + 40);
    expect([...frame.subarray(10, 14)]).toEqual([0, 0, 0x86, 0xdd]);
    expect(frameReader("utun-af")(c, 3, new Uint8Array(100))).toBe(0); // version nibble 1: not carried
    expect(frameWriter("utun-af")(c, 3, frame, n)).toBe(n);
    expect([...written[0]!.subarray(0, 4)]).toEqual([0, 0, 0, 30]);
    const arp = new Uint8Array(60);
    arp[12] = 0x08;
    arp[13] = 0x06;
    expect(frameWriter("utun-af")(c, 3, arp, 60)).toBe(0); // ARP cannot go into a utun
  });

  test("TAP: frames pass as they are; runts are dropped", () => {
    const eth = Uint8Array.from({ length: 60 }, (_, i) => i);
    const { c, written } = fakeLibc([eth, new Uint8Array(10)]);
    const frame = new Uint8Array(100);
    expect(frameReader("ethernet")(c, 3, frame)).toBe(60);
    expect([...frame.subarray(0, 60)]).toEqual([...eth]);
    expect(frameReader("ethernet")(c, 3, frame)).toBe(0);
    expect(frameWriter("ethernet")(c, 3, frame, 60)).toBe(60);
    expect(written[0]!.length).toBe(60);
    expect(frameWriter("ethernet")(c, 3, frame, 13)).toBe(0);
  });

  test("ethertypeFromVersion", () => {
    expect(ethertypeFromVersion(0x45)).toBe(0x0800);
    expect(ethertypeFromVersion(0x60)).toBe(0x86dd);
    expect(ethertypeFromVersion(0x00)).toBe(0);
  });
});

describe("FakeTun", () => {
  test("inject/read and write/written", () => {
    const t = new FakeTun("fake0", "tap");
    const f = new Uint8Array(64).fill(7);
    t.inject(f);
    const buf = new Uint8Array(2048);
    expect(t.read(buf)).toBe(64);
    expect(t.read(buf)).toBe(0);
    expect(t.write(f, 64)).toBe(64);
    expect(t.write(f, 10)).toBe(0);
    expect(t.written.length).toBe(1);
    t.close();
    expect(t.read(buf)).toBeLessThan(0);
  });
});
