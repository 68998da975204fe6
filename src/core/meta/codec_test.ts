import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { type Dialect, formatRequest, idKind, parseControlAck, parseRequest } from "./codec.ts";
import { type Request, RequestCode } from "./requests.ts";
import type { Subnet } from "../subnet/subnet.ts";
import {
  hasHandler,
  isAllowed,
  isFlooded,
  LEGACY_AUTH_GATE,
  nextAllowed,
  requestName,
} from "./request_table.ts";
import { bytesToHex, hexToBytes } from "./fields.ts";

// ---------- generators of valid requests ----------

const name = fc.stringMatching(/^[A-Za-z0-9_]{1,12}$/);
/** A whitespace-free token like an address, port, key or base64 payload. */
const token = fc.stringMatching(/^[!-~]{1,40}$/);
const hex = fc.stringMatching(/^[0-9A-F]{2,64}$/);
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const i32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });

const subnet: fc.Arbitrary<Subnet> = fc.oneof(
  fc.record({
    kind: fc.constant("mac" as const),
    address: fc.uint8Array({ minLength: 6, maxLength: 6 }),
    weight: i32,
  }),
  fc.record({
    kind: fc.constant("ipv4" as const),
    address: fc.uint8Array({ minLength: 4, maxLength: 4 }),
    prefix: fc.integer({ min: 0, max: 32 }),
    weight: i32,
  }),
  fc.record({
    kind: fc.constant("ipv6" as const),
    // Bias towards zero groups so that "::" compression is exercised.
    address: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 255 })), {
      minLength: 16,
      maxLength: 16,
    })
      .map((a) => Uint8Array.from(a)),
    prefix: fc.integer({ min: 0, max: 128 }),
    weight: i32,
  }),
);

function requestArb(dialect: Dialect): fc.Arbitrary<Request> {
  const edge = fc.record({
    nonce: u32,
    from: name,
    to: name,
    address: token,
    port: token,
    options: u32,
    weight: i32,
    local: dialect === "1.1" ? fc.option(fc.tuple(token, token), { nil: undefined }) : fc.constant(undefined),
  }).map(({ local, ...e }): Request => {
    const req: Request = { code: RequestCode.ADD_EDGE, ...e };
    if (local) {
      req.localAddress = local[0];
      req.localPort = local[1];
    }
    return req;
  });
  return fc.oneof(
    fc.record({
      name: fc.oneof(name, name.map((n) => `^${n}`), name.map((n) => `?${n}`)),
      major: fc.integer({ min: 0, max: 99 }),
      minor: fc.integer({ min: 0, max: 999 }),
    }).map((r): Request => ({ code: RequestCode.ID, ...r })),
    fc.record({ cipher: i32, digest: i32, macLength: i32, compression: i32, keyHex: hex })
      .map((r): Request => ({ code: RequestCode.METAKEY, ...r })),
    hex.map((h): Request => ({ code: RequestCode.CHALLENGE, hex: h })),
    hex.map((h): Request => ({ code: RequestCode.CHAL_REPLY, hex: h })),
    fc.record({ port: token, weight: i32, options: u32 }).map((r): Request => ({
      code: RequestCode.ACK,
      ...r,
    })),
    token.map((k): Request => ({ code: RequestCode.ACK, upgradeKey: k })),
    fc.tuple(
      fc.constantFrom(
        RequestCode.STATUS,
        RequestCode.ERROR,
        RequestCode.TERMREQ,
        RequestCode.REQ_PUBKEY,
        RequestCode.ANS_PUBKEY,
      ),
      fc.array(token, { maxLength: 3 }),
    ).map(([code, words]): Request => ({ code, line: words.join(" ") })),
    fc.constantFrom<Request>({ code: RequestCode.PING }, { code: RequestCode.PONG }),
    fc.record({
      code: fc.constantFrom(RequestCode.ADD_SUBNET, RequestCode.DEL_SUBNET),
      nonce: u32,
      owner: name,
      subnet,
    }).map((r): Request => r),
    edge,
    fc.record({ nonce: u32, from: name, to: name }).map((r): Request => ({
      code: RequestCode.DEL_EDGE,
      ...r,
    })),
    fc.record({ nonce: u32, origin: name }).map((r): Request => ({ code: RequestCode.KEY_CHANGED, ...r })),
    fc.record({
      from: name,
      to: name,
      ext: fc.option(fc.tuple(fc.integer({ min: 0, max: 23 }), fc.option(token, { nil: undefined })), {
        nil: undefined,
      }),
    }).map(({ from, to, ext }): Request => {
      const req: Request = { code: RequestCode.REQ_KEY, from, to };
      if (ext) {
        req.ext = ext[0];
        if (ext[1] !== undefined) req.payload = ext[1];
      }
      return req;
    }),
    fc.record({
      from: name,
      to: name,
      key: token,
      cipher: i32,
      digest: i32,
      macLength: i32,
      compression: i32,
      at: fc.option(fc.tuple(token, token), { nil: undefined }),
    }).map(({ at, ...r }): Request => {
      const req: Request = { code: RequestCode.ANS_KEY, ...r };
      if (at) {
        req.address = at[0];
        req.port = at[1];
      }
      return req;
    }),
    fc.record({
      code: fc.constantFrom(RequestCode.PACKET, RequestCode.SPTPS_PACKET),
      length: fc.integer({ min: 0, max: 65535 }),
    }).map((r): Request => r),
    fc.record({ type: i32, args: fc.array(token, { maxLength: 6 }) })
      .map((r): Request => ({ code: RequestCode.CONTROL, ...r })),
    fc.record({ from: name, to: name, address: token, port: token })
      .map((r): Request => ({ code: RequestCode.UDP_INFO, ...r })),
    fc.record({ from: name, to: name, mtu: i32 }).map((r): Request => ({ code: RequestCode.MTU_INFO, ...r })),
  );
}

// ---------- tests ----------

describe("formatRequest / parseRequest round trip", () => {
  for (const dialect of ["1.0", "1.1"] as const) {
    test(`dialect ${dialect}`, () => {
      fc.assert(
        fc.property(requestArb(dialect), (req) => {
          const line = formatRequest(req, dialect);
          expect(line.includes("\n")).toBe(false);
          expect(parseRequest(line)).toEqual({ ok: true, value: req });
        }),
        { numRuns: 3000 },
      );
    });
  }
});

describe("parseRequest never throws", () => {
  test("arbitrary strings (20k runs)", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.string({ unit: "binary", maxLength: 200 })),
        (s) => {
          const r = parseRequest(s);
          expect(typeof r.ok).toBe("boolean");
          if (!r.ok) expect(r.reason.length).toBeGreaterThan(0);
        },
      ),
      { numRuns: 20000 },
    );
  });

  test("mutations of golden lines", () => {
    const golden = [
      "0 alice 17",
      "0 frank 17.7",
      "1 429 672 0 0 257887E0AF60B406FB3A",
      "4 655 2 700000c",
      "10 48a85c1 alice fd00:61:0:0:0:0:0:1/128#10",
      "10 c87251b1 grace 10.61.7.0/24#20",
      "10 8c10ecf3 grace 02:00:00:00:00:07",
      "12 81e8341c grace eve 10.60.0.5 655 c 0 10.60.0.7 655",
      "13 d4832304 grace eve",
      "15 frank grace 15 AAAAAAIAuJ5enCVA+TLRe5",
      "16 grace eve 71E73F84 427 672 4 0 10.60.0.7 655",
      "17 1442",
      "18 3",
      "23 a b 1400",
    ];
    const mutated = fc.tuple(
      fc.constantFrom(...golden),
      fc.array(
        fc.tuple(
          fc.nat(),
          fc.constantFrom("delete", "insert", "replace"),
          fc.string({ unit: "binary", maxLength: 3 }),
        ),
        { minLength: 1, maxLength: 4 },
      ),
    ).map(([line, edits]) => {
      let s = line;
      for (const [pos, op, text] of edits) {
        const i = pos % (s.length + 1);
        if (op === "delete") s = s.slice(0, i) + s.slice(i + 1);
        else if (op === "insert") s = s.slice(0, i) + text + s.slice(i);
        else s = s.slice(0, i) + text + s.slice(i + text.length);
      }
      return s;
    });
    fc.assert(
      fc.property(mutated, (s) => {
        const r = parseRequest(s);
        expect(typeof r.ok).toBe("boolean");
      }),
      { numRuns: 5000 },
    );
  });
});

function bad(line: string): string {
  const r = parseRequest(line);
  if (r.ok) throw new Error(`expected "${line}" to be refused`);
  return r.reason;
}

function good(line: string): Request {
  const r = parseRequest(line);
  if (!r.ok) throw new Error(`expected "${line}" to parse: ${r.reason}`);
  return r.value;
}

describe("sscanf leniency and refusals", () => {
  test("any whitespace separates fields; extra trailing fields are ignored", () => {
    expect(good("  4\t655 \t 3\vc  extra fields")).toEqual({
      code: RequestCode.ACK,
      port: "655",
      weight: 3,
      options: 12,
    });
    expect(good("8 whatever")).toEqual({ code: RequestCode.PING });
    expect(good("13 1 a b c d")).toEqual({ code: RequestCode.DEL_EDGE, nonce: 1, from: "a", to: "b" });
    expect(good("11 0 a 1.2.3.4 trailing")).toMatchObject({ code: RequestCode.DEL_SUBNET, owner: "a" });
  });

  test("%d and %x semantics", () => {
    expect(good("4 655 -3 +C")).toEqual({ code: RequestCode.ACK, port: "655", weight: -3, options: 12 });
    expect(good("4 655 3 0x700000C")).toMatchObject({ options: 0x700000c });
    expect(good("12 ABCDEF01 a b 1.2.3.4 655 ffffffff 0")).toMatchObject({
      nonce: 0xabcdef01,
      options: 0xffffffff,
    });
    expect(bad("4 655 3 100000000")).toBe("bad OPTIONS: out of range");
    expect(bad("4 655 3x c")).toBe("bad WEIGHT: not a decimal integer");
    expect(bad("4 655 99999999999 c")).toBe("bad WEIGHT: out of range");
    expect(bad("10 xyz a 1.2.3.4")).toBe("bad NONCE: not hexadecimal");
  });

  test("names are checked", () => {
    expect(bad("13 1 al-ice bob")).toBe("invalid name in FROM");
    expect(bad("10 1 bad.name 1.2.3.4")).toBe("invalid name in OWNER");
    expect(bad("0 b@d 17")).toBe("invalid name in NAME");
    expect(bad("15 a b!")).toBe("invalid name in TO");
    expect(bad("16 a b!c k 1 1 1 1")).toBe("invalid name in TO");
  });

  test("missing fields are named", () => {
    expect(bad("4 655 3")).toBe("missing field OPTIONS");
    expect(bad("12 1 a b 1.2.3.4")).toBe("missing field PORT");
    expect(bad("10 1 a")).toBe("missing field SUBNET");
    expect(bad("16 a b k 427 672 4")).toBe("missing field COMPRESSION");
    expect(bad("0 alice")).toBe("missing field VERSION");
    expect(bad("17")).toBe("missing field LENGTH");
  });

  test("bad subnet", () => {
    expect(bad("10 1 a 1.2.3.4/33")).toMatch(/^bad subnet/);
    expect(bad("10 1 a 1.2.3.256")).toMatch(/^bad subnet/);
    expect(bad("10 1 a garbage")).toMatch(/^bad subnet/);
  });

  test("codes: bogus, unknown, and the handler-less ones", () => {
    expect(bad("")).toBe("empty request");
    expect(bad("   ")).toBe("empty request");
    expect(bad("hello")).toBe("bogus data: request code is not a number");
    expect(bad("24 x")).toBe("unknown request code 24");
    expect(bad("-1")).toBe("unknown request code -1");
    expect(good("5 some status")).toEqual({ code: RequestCode.STATUS, line: "some status" });
    expect(good("7")).toEqual({ code: RequestCode.TERMREQ, line: "" });
  });

  test("ID versions, control and invitation IDs", () => {
    expect(good("0 alice 17")).toEqual({ code: RequestCode.ID, name: "alice", major: 17, minor: 0 });
    expect(good("0 alice 17.7")).toEqual({ code: RequestCode.ID, name: "alice", major: 17, minor: 7 });
    expect(good("0 ^0123abcd 0")).toEqual({ code: RequestCode.ID, name: "^0123abcd", major: 0, minor: 0 });
    expect(good("0 ?AbC+/ 17.1")).toEqual({ code: RequestCode.ID, name: "?AbC+/", major: 17, minor: 1 });
    expect(bad("0 alice seventeen")).toMatch(/^bad VERSION/);
    expect(good("0 alice 17junk")).toEqual({ code: RequestCode.ID, name: "alice", major: 17, minor: 0 });
    expect(good("0 alice 17.7.1")).toEqual({ code: RequestCode.ID, name: "alice", major: 17, minor: 7 });
    expect(formatRequest({ code: RequestCode.ID, name: "eve", major: 17, minor: 0 })).toBe("0 eve 17");
    expect(formatRequest({ code: RequestCode.ID, name: "eve", major: 17, minor: 0 }, "1.1")).toBe(
      "0 eve 17.0",
    );
  });

  test("token limit of 2048 characters", () => {
    expect(good(`2 ${"A".repeat(2048)}`)).toMatchObject({ code: RequestCode.CHALLENGE });
    expect(bad(`2 ${"A".repeat(2049)}`)).toBe("bad HEX: longer than 2048 characters");
    expect(bad("2 XYZ")).toBe("bad HEX: not hexadecimal");
  });

  test("a NUL ends the request as in C", () => {
    expect(good("8\0garbage")).toEqual({ code: RequestCode.PING });
    expect(bad("\u00004 655 3 c")).toBe("empty request");
  });

  test("optional trailing pairs need both halves", () => {
    expect(good("16 a b k 1 2 3 4 1.2.3.4")).not.toHaveProperty("address");
    expect(good("12 1 a b h p c 0 1.2.3.4")).not.toHaveProperty("localAddress");
    expect(good("15 a b 19")).toEqual({ code: RequestCode.REQ_KEY, from: "a", to: "b", ext: 19 });
  });

  test("REQ_KEY with a non-numeric EXT is a plain REQ_KEY (sscanf stops there)", () => {
    expect(good("15 a b xyz payload")).toEqual({ code: RequestCode.REQ_KEY, from: "a", to: "b" });
  });

  test("control ID and the daemon's control ACK", () => {
    expect(idKind("^abc")).toBe("control");
    expect(idKind("?abc")).toBe("invitation");
    expect(idKind("alice")).toBe("node");
    expect(parseControlAck("4 0 12345")).toEqual({ ok: true, value: { version: 0, pid: 12345 } });
    expect(parseControlAck("4 0")).toEqual({ ok: false, reason: "missing field PID" });
    expect(parseControlAck("8")).toEqual({ ok: false, reason: "not an ACK" });
  });

  test("PACKET lengths", () => {
    expect(good("17 0")).toEqual({ code: RequestCode.PACKET, length: 0 });
    expect(bad("17 65536")).toBe("bad LENGTH: larger than 65535");
    expect(bad("21 -1")).toBe("bad LENGTH: not an unsigned integer");
  });
});

describe("1.1 codes 18-23 (tinc-1.1-sptps.md §2.2-§2.4, §3.2)", () => {
  test("CONTROL requests and replies", () => {
    expect(good("18 3")).toEqual({ code: RequestCode.CONTROL, type: 3, args: [] });
    expect(good("18 9 -1")).toEqual({ code: RequestCode.CONTROL, type: 9, args: ["-1"] });
    expect(good("18 -1")).toEqual({ code: RequestCode.CONTROL, type: -1, args: [] });
    expect(good("18 13 alice 1 2 3 4")).toEqual({
      code: RequestCode.CONTROL,
      type: 13,
      args: ["alice", "1", "2", "3", "4"],
    });
    expect(formatRequest({ code: RequestCode.CONTROL, type: 12, args: ["bob"] })).toBe("18 12 bob");
  });

  test("REQ_PUBKEY / ANS_PUBKEY travel as REQ_KEY extensions", () => {
    expect(good("15 me N 19")).toEqual({ code: RequestCode.REQ_KEY, from: "me", to: "N", ext: 19 });
    expect(good("15 N me 20 AbC+")).toEqual({
      code: RequestCode.REQ_KEY,
      from: "N",
      to: "me",
      ext: 20,
      payload: "AbC+",
    });
    expect(good("19 x")).toEqual({ code: RequestCode.REQ_PUBKEY, line: "x" });
    expect(hasHandler(19, "1.1")).toBe(false);
    expect(hasHandler(20, "1.1")).toBe(false);
  });

  test("SPTPS_PACKET, UDP_INFO, MTU_INFO", () => {
    expect(good("21 84")).toEqual({ code: RequestCode.SPTPS_PACKET, length: 84 });
    expect(good("22 a b 10.0.0.1 655")).toEqual({
      code: RequestCode.UDP_INFO,
      from: "a",
      to: "b",
      address: "10.0.0.1",
      port: "655",
    });
    expect(good("23 a b 1400")).toEqual({ code: RequestCode.MTU_INFO, from: "a", to: "b", mtu: 1400 });
    expect(bad("22 a b 10.0.0.1")).toBe("missing field PORT");
    expect(bad("23 a b")).toBe("missing field MTU");
  });

  test("1.1 forms of subnets and edges", () => {
    const edge = good("12 2054864a frank grace 10.60.0.7 655 700000c 0 10.60.0.6 655");
    expect(formatRequest(edge, "1.1")).toBe("12 2054864a frank grace 10.60.0.7 655 700000c 0 10.60.0.6 655");
    expect(formatRequest(edge, "1.0")).toBe("12 2054864a frank grace 10.60.0.7 655 700000c 0");
    const sub = good("10 3198f206 grace 10.61.7.0/24#20");
    expect(formatRequest(sub, "1.1")).toBe("10 3198f206 grace 10.61.7.0/24#20");
    const mac = good("10 2daffc94 grace 02:00:00:00:00:07");
    expect(formatRequest(mac, "1.0")).toBe("10 2daffc94 grace 2:0:0:0:0:7#10");
  });
});

describe("request table", () => {
  test("names", () => {
    expect(requestName(0)).toBe("ID");
    expect(requestName(12)).toBe("ADD_EDGE");
    expect(requestName(23)).toBe("MTU_INFO");
    expect(requestName(99)).toBe("UNKNOWN(99)");
  });

  test("flooded codes", () => {
    const flooded = Array.from({ length: 24 }, (_, i) => i).filter(isFlooded);
    expect(flooded).toEqual([10, 11, 12, 13, 14]);
  });

  test("handlers per generation", () => {
    const v10 = Array.from({ length: 26 }, (_, i) => i - 1).filter((c) => hasHandler(c, "1.0"));
    expect(v10).toEqual([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
    const v11 = Array.from({ length: 26 }, (_, i) => i - 1).filter((c) => hasHandler(c, "1.1"));
    expect(v11).toEqual([0, 1, 2, 3, 4, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 21, 22, 23]);
  });

  test("gate order", () => {
    let state = LEGACY_AUTH_GATE[0]!;
    const seen = [state];
    for (let i = 0; i < 6; i++) {
      state = nextAllowed(state);
      seen.push(state);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, "ALL", "ALL"]);
    expect(isAllowed(RequestCode.METAKEY, RequestCode.ID)).toBe(false);
    expect(isAllowed(RequestCode.ID, RequestCode.ID)).toBe(true);
    expect(isAllowed(RequestCode.ADD_EDGE, "ALL")).toBe(true);
  });
});

describe("hex helpers", () => {
  test("uppercase like bin2hex, either case in", () => {
    expect(bytesToHex(Uint8Array.of(0, 0xab, 0x5f))).toBe("00AB5F");
    expect(hexToBytes("00ab5F")).toEqual(Uint8Array.of(0, 0xab, 0x5f));
    expect(hexToBytes("abc")).toBeNull();
    expect(hexToBytes("zz")).toBeNull();
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
      expect(hexToBytes(bytesToHex(b))).toEqual(b);
    }));
  });
});
