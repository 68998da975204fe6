/**
 * tinc 1.0's packet and meta-stream crypto on the runtime's native crypto (node:crypto, which
 * Bun backs with BoringSSL): the same {@link LegacyCryptoProvider} port as the pure TypeScript
 * code in src/core/crypto/legacy, giving identical bytes, used when it is faster. Ciphers the
 * runtime lacks (Bun has no aes-192-cfb, for one) fall back to the pure implementation.
 * @module
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from "node:crypto";
import {
  type CipherSpec,
  type DigestSpec,
  type LegacyCryptoProvider,
  type LegacyOpenResult,
  type LegacyPacketCodec,
  type LegacyPacketParams,
  legacySealedLength,
  type LegacyStreamCipher,
  metaStreamCipherSpec,
  pureLegacyCrypto,
  type StreamDirection,
  validatePacketParams,
} from "../core/crypto/legacy/mod.ts";
import { err, ok, type Result } from "../core/crypto/legacy/result.ts";
import { LibcryptoLegacyPacketCodec } from "./legacy_libcrypto.ts";

function view(buf: Uint8Array): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

const cipherSupport = new Map<number, boolean>();

/** Whether the runtime knows this cipher under its OpenSSL name (probed once per NID). */
function nativeCipherWorks(spec: CipherSpec): boolean {
  if (spec.mode === "none") return true;
  let works = cipherSupport.get(spec.nid);
  if (works === undefined) {
    try {
      const probe = createCipheriv(spec.name, new Uint8Array(spec.keyLength), new Uint8Array(spec.ivLength));
      probe.update(new Uint8Array(1));
      works = true;
    } catch {
      works = false;
    }
    cipherSupport.set(spec.nid, works);
  }
  return works;
}

function nativeDigestWorks(spec: DigestSpec): boolean {
  if (spec.nid === 0) return true;
  try {
    createHmac(spec.name, new Uint8Array(1)).update(new Uint8Array(1)).digest();
    return true;
  } catch {
    return false;
  }
}

/**
 * Packet codec on node:crypto. A fresh cipher object per packet reproduces tinc's per-packet
 * context reset (the same fixed IV every time).
 */
export class NativeLegacyPacketCodec implements LegacyPacketCodec {
  readonly cipher: CipherSpec;
  readonly digest: DigestSpec;
  readonly macLength: number;
  readonly #key: Uint8Array;
  readonly #iv: Uint8Array;
  readonly #macKey: Uint8Array;

  private constructor(
    cipher: CipherSpec,
    digest: DigestSpec,
    macLength: number,
    key: Uint8Array,
    iv: Uint8Array,
    macKey: Uint8Array,
  ) {
    this.cipher = cipher;
    this.digest = digest;
    this.macLength = macLength;
    this.#key = key;
    this.#iv = iv;
    this.#macKey = macKey;
  }

  /** Builds a native codec, or says why it cannot (bad parameters or a cipher the runtime lacks). */
  static create(params: LegacyPacketParams): Result<NativeLegacyPacketCodec> {
    const v = validatePacketParams(params);
    if (!v.ok) return v;
    const { cipher, digest } = v.value;
    if (!nativeCipherWorks(cipher)) return err(`native crypto lacks ${cipher.name}`);
    if (!nativeDigestWorks(digest)) return err(`native crypto lacks ${digest.name}`);
    const macLength = digest.nid === 0 ? 0 : v.value.macLength;
    return ok(
      new NativeLegacyPacketCodec(
        cipher,
        digest,
        macLength,
        v.value.key.slice(),
        v.value.iv.slice(),
        v.value.keyMaterial,
      ),
    );
  }

  sealedLength(frameLength: number): number {
    return legacySealedLength(this.cipher, this.macLength, frameLength);
  }

  #mac(body: Uint8Array): Uint8Array {
    return view(createHmac(this.digest.name, this.#macKey).update(body).digest());
  }

  seal(seqno: number, frame: Uint8Array): Uint8Array {
    const t = new Uint8Array(4 + frame.length);
    t[0] = seqno >>> 24;
    t[1] = (seqno >>> 16) & 0xff;
    t[2] = (seqno >>> 8) & 0xff;
    t[3] = seqno & 0xff;
    t.set(frame, 4);
    const out = new Uint8Array(this.sealedLength(frame.length));
    let len: number;
    if (this.cipher.mode === "none") {
      out.set(t);
      len = t.length;
    } else {
      const c = createCipheriv(this.cipher.name, this.#key, this.#iv);
      const a = c.update(t);
      const b = c.final();
      out.set(a);
      out.set(b, a.length);
      len = a.length + b.length;
    }
    if (this.macLength > 0) out.set(this.#mac(out.subarray(0, len)).subarray(0, this.macLength), len);
    return out;
  }

  verifyMac(datagram: Uint8Array): boolean {
    if (this.macLength === 0 || datagram.length < 4 + this.macLength) return false;
    const bodyLen = datagram.length - this.macLength;
    const mac = this.#mac(datagram.subarray(0, bodyLen)).subarray(0, this.macLength);
    return timingSafeEqual(mac, datagram.subarray(bodyLen));
  }

  open(datagram: Uint8Array): LegacyOpenResult {
    if (datagram.length < 4 + this.macLength) return { ok: false, reason: "too-short" };
    if (this.macLength > 0 && !this.verifyMac(datagram)) return { ok: false, reason: "bad-mac" };
    const body = datagram.subarray(0, datagram.length - this.macLength);
    let plain: Uint8Array;
    if (this.cipher.mode === "none") plain = body.slice();
    else {
      try {
        const d = createDecipheriv(this.cipher.name, this.#key, this.#iv);
        const a = d.update(body);
        const b = d.final();
        plain = new Uint8Array(a.length + b.length);
        plain.set(a);
        plain.set(b, a.length);
      } catch {
        // EVP_DecryptFinal's failure: a partial last block or malformed PKCS#7 padding.
        return { ok: false, reason: "bad-padding" };
      }
    }
    if (plain.length < 4) return { ok: false, reason: "too-short" };
    const seqno = ((plain[0]! << 24) | (plain[1]! << 16) | (plain[2]! << 8) | plain[3]!) >>> 0;
    return { ok: true, seqno, frame: plain.subarray(4) };
  }
}

/** A meta stream on one long-lived native cipher object (CFB/OFB/CTR keep their position). */
export function createNativeStreamCipher(
  cipherNid: number,
  key: Uint8Array,
  iv: Uint8Array,
  direction: StreamDirection,
): Result<LegacyStreamCipher> {
  const spec = metaStreamCipherSpec(cipherNid);
  if (!spec.ok) return spec;
  if (key.length !== spec.value.keyLength) {
    return err(`${spec.value.name} needs a ${spec.value.keyLength}-byte key`);
  }
  if (iv.length !== spec.value.ivLength) {
    return err(`${spec.value.name} needs a ${spec.value.ivLength}-byte IV`);
  }
  if (!nativeCipherWorks(spec.value)) return err(`native crypto lacks ${spec.value.name}`);
  const c = direction === "encrypt"
    ? createCipheriv(spec.value.name, key, iv)
    : createDecipheriv(spec.value.name, key, iv);
  return ok({ update: (bytes: Uint8Array) => view(c.update(bytes)) });
}

/** The native provider; any cipher or digest the runtime lacks is served by the pure one. */
export const nativeLegacyCrypto: LegacyCryptoProvider = {
  name: "native",
  createPacketCodec(params) {
    const n = NativeLegacyPacketCodec.create(params);
    if (!n.ok) return pureLegacyCrypto.createPacketCodec(params);
    // CBC packets through libcrypto directly when it is there: no cipher and HMAC objects per
    // packet (about twice the seal+open rate); the node:crypto codec serves the rest.
    const v = validatePacketParams(params);
    const fast = v.ok ? LibcryptoLegacyPacketCodec.create(v.value, n.value.macLength, n.value) : undefined;
    return fast !== undefined ? ok(fast) : n;
  },
  createStreamCipher(cipherNid, key, iv, direction) {
    const n = createNativeStreamCipher(cipherNid, key, iv, direction);
    return n.ok ? n : pureLegacyCrypto.createStreamCipher(cipherNid, key, iv, direction);
  },
};

/** Seal+open throughput of a provider at one frame size, in MB/s of frame bytes. */
export function measureLegacyPacketThroughput(
  provider: LegacyCryptoProvider,
  frameLength = 1400,
  budgetMs = 20,
): number {
  const codec = provider.createPacketCodec({
    cipherNid: 427,
    digestNid: 672,
    macLength: 4,
    keyMaterial: new Uint8Array(48).fill(7),
  });
  if (!codec.ok) return 0;
  const frame = new Uint8Array(frameLength).fill(0x5a);
  const start = performance.now();
  let packets = 0;
  // Bounded in both count and time.
  while (packets < 100_000 && performance.now() - start < budgetMs) {
    for (let i = 0; i < 16; i++) codec.value.open(codec.value.seal(++packets, frame));
  }
  const seconds = (performance.now() - start) / 1000;
  return (packets * frameLength) / seconds / 1e6;
}

/**
 * Picks the faster provider on this machine by a short, bounded measurement (about 2 × budgetMs).
 * Both give identical bytes, so the choice only affects speed.
 */
export function chooseLegacyCrypto(budgetMs = 15): LegacyCryptoProvider {
  const native = measureLegacyPacketThroughput(nativeLegacyCrypto, 1400, budgetMs);
  const pure = measureLegacyPacketThroughput(pureLegacyCrypto, 1400, budgetMs);
  return native >= pure ? nativeLegacyCrypto : pureLegacyCrypto;
}
