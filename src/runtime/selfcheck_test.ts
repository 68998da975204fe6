import { expect, test } from "bun:test";
import { runtimeSelfCheck } from "./selfcheck.ts";

test("the reader Worker moves frames from an fd through the shared ring intact", async () => {
  const r = await runtimeSelfCheck(500);
  expect(r.detail).toBe("reader worker ring: sent 500, received 500, corrupt 0");
  expect(r.ok).toBe(true);
});
