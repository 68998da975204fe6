/**
 * The child side of detach_test.ts: `bun detach_fixture.ts ready|fail|silent|slow OUTFILE` reports
 * as told, then (for ready) stays alive briefly, writing its pid and session id to OUTFILE.
 * @module
 */
import { readFileSync, writeFileSync } from "node:fs";
import { signalFailed, signalReady } from "./detach.ts";

const [mode = "ready", out = "/dev/null"] = process.argv.slice(2);
// Field 6 of /proc/self/stat is the session id: equal to our pid after setsid.
const stat = readFileSync("/proc/self/stat", "utf8");
const sid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[3]);
writeFileSync(
  out,
  JSON.stringify({ pid: process.pid, sid, cwd: process.cwd(), fd: process.env.TINCT_READY_FD ?? null }),
);
if (mode === "ready") {
  signalReady();
  writeFileSync(
    out,
    JSON.stringify({ pid: process.pid, sid, cwd: process.cwd(), after: process.env.TINCT_READY_FD ?? null }),
  );
  setTimeout(() => process.exit(0), 1500);
} else if (mode === "fail") {
  signalFailed("Could not open /dev/net/tun: No such device");
  process.exit(1);
} else if (mode === "silent") {
  process.exit(3);
} else {
  setTimeout(() => process.exit(0), 3000);
}
