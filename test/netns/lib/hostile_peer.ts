/**
 * A hostile peer for the bad-input test, run inside a lab namespace:
 *   bun hostile_peer.ts HOST PORT REPLAY_PCAP SECONDS SEED KNOWN_NAME
 * For at most SECONDS it alternates between
 *   - meta (TCP) sessions that never authenticate: random bytes; random request-like lines; a
 *     valid ID (unknown name, a known name, the target's own name) followed by garbage; a known
 *     name's ID followed by METAKEYs of wrong length or random content, stray CHALLENGE and
 *     CHAL_REPLY lines, and the target's own lines mutated and sent back; an endless line;
 *   - datagrams to the UDP port: random bytes of random sizes, exact replays of real datagrams
 *     from REPLAY_PCAP, replays with one bit flipped, truncated replays.
 * Meta sessions come one per ~1.1 s, cycling through every scenario, because tincd (and tinct)
 * hold connections beyond 10 in a second in a tarpit unanswered; in the last 3 s a burst of 15 at
 * once checks that the tarpit engages (reported as `burst`).
 * Everything is bounded in count and time; it prints one JSON line with what it sent.
 */
import { createSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import { readUdpDatagrams } from "./pcap_udp.ts";

const [host, portText, replayPath, secondsText, seedText, knownName] = process.argv.slice(2);
const port = Number(portText);
const deadline = Date.now() + Number(secondsText) * 1000;
let seed = Number(seedText) | 1;

function rnd(n: number): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % Math.max(1, n);
}

function randomBytes(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rnd(256);
  return b;
}

function hex(n: number): string {
  return Array.from(randomBytes(n), (x) => x.toString(16).padStart(2, "0")).join("").toUpperCase();
}

function mutate(line: string): string {
  if (line.length === 0) return "x";
  const i = rnd(line.length);
  const pick = rnd(3);
  if (pick === 0) return line.slice(0, i) + String.fromCharCode(32 + rnd(95)) + line.slice(i + 1);
  if (pick === 1) return line.slice(0, i);
  return line.slice(0, i) + line.slice(i, i + 1 + rnd(20)).repeat(2 + rnd(4)) + line.slice(i);
}

const sent = {
  sessions: 0,
  metaBytes: 0,
  datagrams: 0,
  replays: 0,
  mutatedReplays: 0,
  refusedEarly: 0,
  burst: 0,
};

/** One TCP session: writes the scripted parts (a function may use what the target said). */
function session(
  parts: Array<string | Uint8Array | ((heard: string) => string)>,
  lingerMs = 300,
): Promise<void> {
  return new Promise((resolve) => {
    let heard = "";
    let done = false;
    const sock: Socket = connect({ host: host!, port });
    const finish = () => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve();
    };
    const timer = setTimeout(finish, 3000);
    sock.on("data", (d: Buffer) => (heard += d.toString("latin1")));
    sock.on("error", () => {
      sent.refusedEarly++;
      clearTimeout(timer);
      finish();
    });
    sock.on("close", () => {
      clearTimeout(timer);
      finish();
    });
    sock.on("connect", async () => {
      sent.sessions++;
      for (const p of parts) {
        if (done) return;
        // Give the target a moment to answer, so later parts can use its lines.
        await Bun.sleep(50);
        const chunk = typeof p === "function" ? p(heard) : p;
        sent.metaBytes += chunk.length;
        sock.write(chunk);
      }
      setTimeout(() => {
        clearTimeout(timer);
        finish();
      }, lingerMs);
    });
  });
}

const ids = [`0 intruder${rnd(1000)} 17\n`, `0 ${knownName} 17\n`, "0 t1 17\n", `0 ${knownName} 99\n`];

function metaScenario(kind: number): Promise<void> {
  switch (kind % 8) {
    case 0:
      return session([randomBytes(1 + rnd(4096))]);
    case 1:
      return session([
        Array.from({ length: 1 + rnd(20) }, () => `${rnd(30)} ${hex(rnd(40))} ${rnd(100000)}\n`).join(""),
      ]);
    case 2:
      return session([ids[rnd(ids.length)]!, randomBytes(1 + rnd(600))]);
    case 3: // METAKEY of the wrong length, then more junk
      return session([`0 ${knownName} 17\n`, `1 429 672 0 0 ${hex(1 + rnd(100))}\n`, `2 ${hex(rnd(300))}\n`]);
    case 4: // METAKEY as tincd 1.0.36 sends it (aes-256-cfb, sha256) for a 1024-bit key, random content
      return session([
        `0 ${knownName} 17\n`,
        `1 429 672 0 0 ${hex(128)}\n`,
        `2 ${hex(128)}\n`,
        `3 ${hex(32)}\n`,
        randomBytes(200),
      ]);
    case 5: // the target's own lines, mutated, sent back
      return session([
        `0 ${knownName} 17\n`,
        (heard) => heard.split("\n").filter((l) => l.length > 0).map(mutate).join("\n") + "\n",
        (heard) => mutate(heard),
      ], 500);
    case 6: // a line that never ends
      return session(["0 ", "A".repeat(64 * 1024), "B".repeat(64 * 1024)]);
    default: // request codes tinc has, out of order, with bad arguments
      return session([
        `${4 + rnd(20)} ${hex(rnd(8))} ${rnd(9)}\n`,
        `0 ${knownName} 17\n`,
        `${4 + rnd(20)} ${rnd(9)} x y z\n`,
      ]);
  }
}

async function main(): Promise<void> {
  const replays = replayPath && replayPath !== "-" ? readUdpDatagrams(replayPath) : [];
  const udp = createSocket("udp4");
  const send = (b: Uint8Array) => new Promise<void>((resolve) => udp.send(b, port, host, () => resolve()));
  // Meta sessions, paced below the burst limit, beside the datagram stream; then one burst.
  const meta = (async () => {
    for (let i = 0; i < 400 && Date.now() < deadline - 3000; i++) {
      const started = Date.now();
      await metaScenario(i);
      await Bun.sleep(Math.max(0, 1100 - (Date.now() - started)));
    }
    sent.burst = 15;
    await Promise.all(Array.from({ length: sent.burst }, () => session([`0 ${knownName} 17\n`], 1000)));
  })();
  for (let i = 0; i < 20_000 && Date.now() < deadline; i++) {
    const kind = replays.length > 0 ? rnd(4) : 0;
    const base = replays[rnd(replays.length)]?.bytes;
    if (kind === 0 || base === undefined) {
      await send(randomBytes(rnd(1600)));
    } else if (kind === 1) {
      await send(base);
      sent.replays++;
    } else if (kind === 2) {
      const m = base.slice();
      if (m.length > 0) m[rnd(m.length)]! ^= 1 << rnd(8);
      await send(m);
      sent.mutatedReplays++;
    } else {
      await send(base.subarray(0, rnd(base.length)));
      sent.mutatedReplays++;
    }
    sent.datagrams++;
    if (i % 20 === 19) await Bun.sleep(10);
  }
  await meta;
  udp.close();
  console.log(JSON.stringify(sent));
}

setTimeout(() => {
  console.log(JSON.stringify({ ...sent, timedOut: true }));
  process.exit(0);
}, (Number(secondsText) + 20) * 1000).unref();
await main();
process.exit(0);
