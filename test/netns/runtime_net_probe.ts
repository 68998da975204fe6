/**
 * Run inside network namespaces by runtime_net_test.ts.
 *   server PORT          UDP endpoint and TCP listener on [::]:PORT (dual-stack) echoing back;
 *                        prints "listening" then serves until killed (at most 60 s)
 *   client HOST4 HOST6 PORT   UDP and TCP round trips to both addresses, a DF-too-big send;
 *                        prints one JSON line
 * @module
 */
import { openUdp } from "../../src/runtime/udp.ts";
import { openUdpFfi } from "../../src/runtime/udp_ffi.ts";
import { connectTcp, listenTcp, type TcpStream } from "../../src/runtime/tcp.ts";

const [role, ...args] = process.argv.slice(2);

if (role === "server") {
  const port = Number(args[0]);
  const udp = await openUdp({
    host: "::",
    port,
    onDatagram: (bytes, from) => {
      // Echo with the sender's address prefixed, so the client can check what we saw.
      const tag = new TextEncoder().encode(`${from.host} ${from.port}|`);
      const out = new Uint8Array(tag.length + bytes.length);
      out.set(tag);
      out.set(bytes, tag.length);
      udp.send(out, from);
    },
  });
  listenTcp({
    host: "::",
    port,
    maxOutputBuffer: 4 << 20, // the echo must never refuse: the client sends 1 MiB at once
    onAccept: () => ({ onData: (s, b) => void s.write(b), onClose: () => {} }),
  });
  console.log("listening");
  setTimeout(() => process.exit(0), 60_000);
} else {
  const [host4 = "", host6 = "", portArg = "0"] = args;
  const port = Number(portArg);
  const result: Record<string, unknown> = {};
  for (const [label, bind, host] of [["v4", "0.0.0.0", host4], ["v6", "::", host6]] as const) {
    const replies: string[] = [];
    const ep = await openUdp({
      host: bind,
      port: 0,
      onDatagram: (b) => void replies.push(new TextDecoder().decode(b)),
    });
    const sent = ep.send(new TextEncoder().encode("ping"), { host, port });
    for (let i = 0; i < 200 && replies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    result[`udp_${label}`] = { sent, reply: replies[0] ?? null, localPort: ep.port, pmtu: ep.pmtuDiscovery };
    result[`toobig_${label}`] = ep.send(new Uint8Array(1500), { host, port });
    result[`fits_${label}`] = ep.send(new Uint8Array(1300), { host, port });
    ep.close();

    // The same through the FFI endpoint (recvmmsg Worker).
    const ffiReplies: string[] = [];
    const ffi = await openUdpFfi({
      host: bind,
      port: 0,
      onDatagram: (b) => void ffiReplies.push(new TextDecoder().decode(b)),
    });
    const ffiSent = ffi.send(new TextEncoder().encode("ffi"), { host, port });
    for (let i = 0; i < 200 && ffiReplies.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    result[`ffi_${label}`] = {
      sent: ffiSent,
      reply: ffiReplies[0] ?? null,
      localPort: ffi.port,
      pmtu: ffi.pmtuDiscovery,
      toobig: ffi.send(new Uint8Array(1500), { host, port }),
      fits: ffi.send(new Uint8Array(1300), { host, port }),
    };
    await ffi.closeAsync();

    const size = 1 << 20;
    const data = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
    let got = 0;
    let same = true;
    let stream: TcpStream | undefined;
    try {
      stream = await connectTcp({
        host,
        port,
        timeoutMs: 5000,
        maxOutputBuffer: 2 * size,
        handlers: {
          onData: (_s, b) => {
            for (let i = 0; i < b.length; i++) if (b[i] !== data[got + i]) same = false;
            got += b.length;
          },
          onClose: () => {},
        },
      });
      const w = stream.write(data);
      for (let i = 0; i < 500 && got < size; i++) await new Promise((r) => setTimeout(r, 10));
      result[`tcp_${label}`] = { write: w, echoed: got, intact: same && got === size };
    } catch (e) {
      result[`tcp_${label}`] = { error: (e as Error).message };
    } finally {
      stream?.close();
    }
  }
  console.log(JSON.stringify(result));
  process.exit(0);
}
