/**
 * A self-check of the runtime's data-path machinery that needs no root: libc through FFI, the
 * reader Worker (an entry point of the compiled build) and its SharedArrayBuffer ring, fed from a
 * unix datagram socketpair standing in for a TAP device, and the UDP reader Worker over loopback.
 * Meant for `tinct selftest`, so the compiled executable proves its Workers start.
 * @module
 */
import { libc, setNonBlocking } from "./libc.ts";
import type { TunDevice } from "./tun.ts";
import { startTunReader } from "./tun_reader.ts";
import { openUdpFfi } from "./udp_ffi.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;

/** Result of {@link runtimeSelfCheck}. */
export interface SelfCheckResult {
  ok: boolean;
  detail: string;
}

/**
 * Sends `frames` frames through a socketpair into the reader ring and checks each arrives intact.
 * @param frames how many (at most 10000)
 * @param timeoutMs give up after this long
 * @returns ok and a one-line description
 */
export async function runtimeSelfCheck(frames = 200, timeoutMs = 5000): Promise<SelfCheckResult> {
  const c = libc();
  const fds = new Int32Array(2);
  if (c.socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) < 0) {
    return { ok: false, detail: `socketpair: ${c.strerror(c.errno())}` };
  }
  const [rx, tx] = [fds[0]!, fds[1]!];
  const device: TunDevice = {
    name: "selfcheck",
    mode: "tap",
    fd: rx,
    codec: "ethernet",
    read: () => 0,
    write: () => 0,
    close: () => {},
  };
  const total = Math.min(frames, 10_000);
  let received = 0;
  let corrupt = 0;
  let done: () => void = () => {};
  const allIn = new Promise<void>((r) => (done = r));
  const reader = await startTunReader(device, {
    onFrame(slot, length) {
      const seq = slot[14]! | (slot[15]! << 8);
      if (length !== 60 + (seq % 64) || slot[length - 1] !== (seq & 0xff)) corrupt++;
      if (++received === total) done();
    },
  }, { slots: 64, slotSize: 256 });
  const frame = new Uint8Array(124);
  // The writer must never block: the reader's main-thread side runs on this very thread.
  setNonBlocking(c, tx);
  let sent = 0;
  const deadline = Date.now() + timeoutMs;
  for (let seq = 0; seq < total && Date.now() < deadline;) {
    const length = 60 + (seq % 64);
    frame[14] = seq & 0xff;
    frame[15] = seq >> 8;
    frame[length - 1] = seq & 0xff;
    if (c.write(tx, frame, length) === length) {
      sent++;
      seq++;
    } else {
      await new Promise((r) => setTimeout(r, 1)); // socket queue full: let the reader drain
    }
  }
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref());
  const outcome = await Promise.race([allIn.then(() => "ok" as const), timer]);
  await reader.stop();
  c.close(tx);
  c.close(rx);
  const detail = `reader worker ring: sent ${sent}, received ${received}, corrupt ${corrupt}`;
  return { ok: outcome === "ok" && corrupt === 0 && sent === total, detail };
}

/**
 * Sends `count` datagrams over loopback into the FFI UDP endpoint (its recvmmsg reader Worker is
 * a second entry point of the compiled build) and checks they all arrive with the sender's port.
 * @param count how many (at most 10000)
 * @param timeoutMs give up after this long
 */
export async function udpReaderSelfCheck(count = 200, timeoutMs = 5000): Promise<SelfCheckResult> {
  const total = Math.min(count, 10_000);
  let received = 0;
  let wrongSender = 0;
  let done: () => void = () => {};
  const allIn = new Promise<void>((r) => (done = r));
  let senderPort = -1;
  const rx = await openUdpFfi({
    host: "127.0.0.1",
    port: 0,
    receiveBuffer: 1 << 20,
    onDatagram: (_b, from) => {
      if (from.port !== senderPort || from.host !== "127.0.0.1") wrongSender++;
      if (++received === total) done();
    },
  });
  const tx = await openUdpFfi({ host: "127.0.0.1", port: 0, onDatagram: () => {} });
  senderPort = tx.port;
  let sent = 0;
  const payload = new Uint8Array(100);
  for (let i = 0; i < total; i++) {
    if (tx.send(payload, { host: "127.0.0.1", port: rx.port }) === "sent") sent++;
    if (i % 200 === 199) await new Promise((r) => setTimeout(r, 1));
  }
  const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), timeoutMs).unref());
  const outcome = await Promise.race([allIn.then(() => "ok" as const), timer]);
  await Promise.all([rx.closeAsync(), tx.closeAsync()]);
  const detail = `udp reader worker: sent ${sent}, received ${received}, wrong sender ${wrongSender}`;
  return { ok: outcome === "ok" && sent === total && wrongSender === 0, detail };
}
