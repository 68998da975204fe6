/**
 * tinc 1.0's packet keys (spec 1.0 §4.1, §4.3, §4.6, §5): per ordered pair, chosen by the
 * receiver. We issue each node the key it must use to send to us (ANS_KEY, our Cipher, Digest,
 * MACLength and Compression) and keep a replay window for it; the node's ANS_KEY gives us the
 * key for our traffic toward it. Codecs come from the LegacyCryptoProvider port, so the runtime
 * can substitute its native implementation.
 *
 * ```
 *   16 FROM TO KEYHEX CIPHER DIGEST MACLEN COMP [ADDR PORT]
 *                KEYHEX = key ‖ IV (1 random byte for cipher none)
 *
 *   datagram = E(key, IV, SEQNO ‖ frame) ‖ HMAC(key ‖ IV, E)[0, MACLEN)
 * ```
 * Compression (legacy_compress.ts): we compress toward a node at the level it asked for, and
 * announce our configured level only when our compressor can undo it (else 0, logged).
 * @module
 */
import { cipherByName, cipherByNid, digestByName } from "../../crypto/legacy/nid.ts";
import {
  newPacketKeyMaterial,
  packetKeyMaterialHex,
  parsePacketKeyMaterial,
} from "../../crypto/legacy/key_material.ts";
import { receiveLegacyPacket } from "../../crypto/legacy/receive.ts";
import { LegacyReplayWindow } from "../../crypto/legacy/replay_window.ts";
import { err, ok, type Result } from "../../crypto/legacy/result.ts";
import { randomBytesFrom } from "../../crypto/legacy/rsa_keygen.ts";
import type { Compressor } from "../../compress/compressor.ts";
import type { PacketSettings } from "../config.ts";
import { canDecompress, compressForPeer, decompressFromPeer } from "./legacy_compress.ts";
import type { NodeCore } from "../core.ts";
import { addrKey, LogLevel, type SockAddr } from "../effects.ts";
import { byName, type EdgeRec, type NodeRec } from "../world.ts";

/** The fields of an ANS_KEY we send. */
export interface IssuedKey {
  keyHex: string;
  cipher: number;
  digest: number;
  macLength: number;
  compression: number;
}

/** What an ANS_KEY we received offers for our traffic toward its sender. */
export interface OfferedKey {
  key: string;
  cipher: number;
  digest: number;
  macLength: number;
  compression: number;
}

/** Our packet settings as tinc.conf names them (`Cipher = aes-256-cbc`, `Digest = none`...). */
export interface PacketSettingNames {
  cipher: string;
  digest: string;
  macLength: number;
  compression: number;
  replayWindow: number;
}

/** Maps OpenSSL names to the NIDs ANS_KEY carries; "none" is NID 0. */
export function packetSettingsFromNames(names: PacketSettingNames): Result<PacketSettings> {
  let cipher = 0;
  if (names.cipher.toLowerCase() !== "none") {
    const c = cipherByName(names.cipher);
    if (!c.ok) return c;
    cipher = c.value.nid;
  }
  let digest = 0;
  if (names.digest.toLowerCase() !== "none") {
    const d = digestByName(names.digest);
    if (!d.ok) return d;
    digest = d.value.nid;
  }
  return ok({
    cipher,
    digest,
    macLength: names.macLength,
    compression: names.compression,
    replayWindow: names.replayWindow,
  });
}

/**
 * Draws a fresh key for `n`'s traffic to us under our packet settings, installs it with a reset
 * replay window, and returns the ANS_KEY fields. Fails only on a bad local configuration.
 */
export function issueReceiveKey(core: NodeCore, n: NodeRec): Result<IssuedKey> {
  const settings = core.config.packet;
  const cipher = cipherByNid(settings.cipher);
  if (!cipher.ok) return err(`our Cipher: ${cipher.reason}`);
  const material = newPacketKeyMaterial(cipher.value, randomBytesFrom(core.rng));
  const codec = core.config.legacyCrypto.createPacketCodec({
    cipherNid: settings.cipher,
    digestNid: settings.digest,
    macLength: settings.macLength,
    keyMaterial: material,
  });
  if (!codec.ok) return err(`our packet settings: ${codec.reason}`);
  let compression = settings.compression;
  if (!canDecompress(compression, core.config.compressor)) {
    core.log(LogLevel.basic, "Cannot decompress the configured compression level; announcing none", {
      level: compression,
    });
    compression = 0;
  }
  n.inCodec = codec.value;
  if (n.replay === undefined || n.replay.bytes !== settings.replayWindow) {
    n.replay = new LegacyReplayWindow(settings.replayWindow);
  } else n.replay.reset();
  n.inKey = true;
  n.inCompression = compression;
  n.receivedSeqno = 0;
  return ok({
    keyHex: packetKeyMaterialHex(material),
    cipher: settings.cipher,
    digest: settings.digest,
    macLength: codec.value.macLength,
    compression,
  });
}

/**
 * Checks an ANS_KEY as ans_key_h does (known NIDs, key+IV length, MAC length, compression) and
 * on success makes it the key for our traffic toward `n`, starting again at seqno 1.
 */
export function acceptSendKey(core: NodeCore, n: NodeRec, offer: OfferedKey): Result<true> {
  n.validKey = false;
  const material = parsePacketKeyMaterial(offer.key, offer.cipher);
  if (!material.ok) return material;
  if (!Number.isInteger(offer.compression) || offer.compression < 0 || offer.compression > 11) {
    return err(`compression level ${offer.compression} out of range`);
  }
  const codec = core.config.legacyCrypto.createPacketCodec({
    cipherNid: offer.cipher,
    digestNid: offer.digest,
    macLength: offer.macLength,
    keyMaterial: material.value,
  });
  if (!codec.ok) return codec;
  n.outCodec = codec.value;
  n.outCompression = offer.compression;
  n.sentSeqno = 0;
  n.validKey = true;
  n.waitingForKey = false;
  return ok(true);
}

/** Seals a frame for `n` with the next seqno (the first after a key is 1); undefined without a key. */
export function sealFor(n: NodeRec, frame: Uint8Array, compressor?: Compressor): Uint8Array | undefined {
  if (!n.validKey || n.outCodec === undefined) return undefined;
  const body = compressForPeer(n.outCompression, frame, compressor);
  if (body === undefined) return undefined;
  n.sentSeqno = (n.sentSeqno + 1) >>> 0;
  return n.outCodec.seal(n.sentSeqno, body);
}

/** tinc 1.0 counts a compressed probe as its compressed length minus MTU/64 + 20. */
const COMPRESSED_PROBE_ALLOWANCE = Math.floor(1518 / 64) + 20;

/**
 * Opens a datagram from `n`: MAC, decrypt, replay check, commit, decompress; a drop reason
 * otherwise. `probeLength` is the length tinc's mtu_probe_h would see.
 */
export function openFrom(
  n: NodeRec,
  datagram: Uint8Array,
  compressor?: Compressor,
): { frame: Uint8Array; probeLength: number } | { drop: string } {
  if (!n.inKey || n.inCodec === undefined || n.replay === undefined) {
    return { drop: "UDP packet from a node that has not got our key" };
  }
  const r = receiveLegacyPacket(n.inCodec, n.replay, datagram);
  if (!r.ok) return { drop: `UDP packet rejected: ${r.reason}` };
  if (r.seqno > n.receivedSeqno) n.receivedSeqno = r.seqno;
  if (n.inCompression === 0) return { frame: r.frame, probeLength: r.frame.length };
  const d = decompressFromPeer(n.inCompression, r.frame, MAX_FRAME_BYTES, compressor);
  if ("drop" in d) return d;
  return { frame: d.frame, probeLength: r.frame.length - COMPRESSED_PROBE_ALLOWANCE };
}

/** tinc's MAXSIZE: no decompressed frame may be longer. */
const MAX_FRAME_BYTES = 1661;

/** tinc's MAX_SEQNO: a receive key that has seen a seqno beyond this is renewed early. */
export const MAX_SEQNO = 2 ** 30;

/** Whether some node's seqno toward us passed MAX_SEQNO: then keys expire at the periodic check. */
export function receiveSeqnoWornOut(core: NodeCore): boolean {
  for (const n of core.nodes.values()) if (n.inKey && n.receivedSeqno > MAX_SEQNO) return true;
  return false;
}

/** Datagram overhead of a codec beyond the frame, for PMTU arithmetic. */
export function sealedLength(n: NodeRec, frameLength: number): number {
  return n.outCodec?.sealedLength(frameLength) ?? 4 + frameLength;
}

const lastHardTry = new WeakMap<NodeCore, number>();

/**
 * tinc's try_harder: a datagram from an address no node has. Walk the edges in weight order
 * and test the MAC with the key we issued to each edge's destination; the first match is the
 * sender. A full walk runs at most once per second; other attempts in the same second test only
 * edges whose address is the datagram's source IP. Without a MAC nothing can match.
 */
export function tryHarder(core: NodeCore, from: SockAddr, datagram: Uint8Array): NodeRec | undefined {
  const second = Math.floor(core.now / 1000);
  const recent = lastHardTry.get(core) === second;
  // Within the same second only same-IP edges are candidates: filter before sorting, so a flood
  // of datagrams from random addresses costs one pass over the edges each, not a sort.
  const edges: EdgeRec[] = [];
  for (const n of core.nodes.values()) {
    for (const e of n.edges.values()) {
      if (e.to !== core.myself && (!recent || e.address === from.host)) edges.push(e);
    }
  }
  edges.sort((a, b) =>
    a.weight - b.weight || byName(a.from.name, b.from.name) || byName(a.to.name, b.to.name)
  );
  let found: NodeRec | undefined;
  for (const e of edges) {
    const codec = e.to.inCodec;
    if (!e.to.inKey || codec === undefined || !codec.verifyMac(datagram)) continue;
    found = e.to;
    break;
  }
  lastHardTry.set(core, second);
  if (found !== undefined) {
    core.log(LogLevel.traffic, "Learned UDP address of node from a matching MAC", {
      node: found.name,
      address: addrKey(from),
    });
  }
  return found;
}
