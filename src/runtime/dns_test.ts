import { describe, expect, test } from "bun:test";
import { createResolver, type Resolution } from "./dns.ts";

function resolveP(
  r: ReturnType<typeof createResolver>,
  host: string,
  family: "any" | "ipv4" | "ipv6" = "any",
) {
  return new Promise<Resolution>((res) => r.resolve(host, family, res));
}

describe("resolver", () => {
  test("literals answer without a lookup, asynchronously, family-checked", async () => {
    let lookups = 0;
    const r = createResolver(() => (lookups++, Promise.resolve([])));
    let sync = true;
    const p = resolveP(r, "10.1.2.3");
    const checked = p.then((v) => ({ v, sync }));
    sync = false;
    expect(await checked).toEqual({ v: { ok: true, addresses: ["10.1.2.3"] }, sync: false });
    expect(await resolveP(r, "fe80::1", "ipv6")).toEqual({ ok: true, addresses: ["fe80::1"] });
    expect((await resolveP(r, "fe80::1", "ipv4")).ok).toBe(false);
    expect(lookups).toBe(0);
  });

  test("localhost resolves through the system resolver ", async () => {
    const r = createResolver();
    const res = await resolveP(r, "localhost", "ipv4");
    expect(res).toEqual({ ok: true, addresses: ["127.0.0.1"] });
    expect(r.outstanding).toBe(0);
  });

  test("failures and timeouts are answers, not exceptions", async () => {
    const failing = createResolver(() =>
      Promise.reject(Object.assign(new Error("x"), { code: "ENOTFOUND" }))
    );
    expect(await resolveP(failing, "nosuch.invalid")).toEqual({
      ok: false,
      error: "nosuch.invalid: ENOTFOUND",
    });
    const hanging = createResolver(() => new Promise(() => {}), 30);
    expect(await resolveP(hanging, "slow.example")).toEqual({
      ok: false,
      error: "resolving slow.example timed out",
    });
    expect(hanging.outstanding).toBe(0);
    const empty = createResolver(() => Promise.resolve([]));
    expect((await resolveP(empty, "x.example")).ok).toBe(false);
  });

  test("the real resolver reports an unknown name as a failure", async () => {
    const res = await resolveP(createResolver(), "no-such-host.invalid");
    expect(res.ok).toBe(false);
  });
});
