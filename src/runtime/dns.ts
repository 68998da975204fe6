/**
 * Name resolution that never blocks the daemon: getaddrinfo runs on node:dns's thread pool and
 * the answer comes back later through a callback (the engine's `resolve` effect, answered by
 * `onResolved`). Literal addresses answer without a lookup. Failures are answers too.
 * @module
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { isIP } from "node:net";

/** tinc's AddressFamily. */
export type AddressFamily = "any" | "ipv4" | "ipv6";

/** A resolution's outcome. */
export type Resolution = { ok: true; addresses: string[] } | { ok: false; error: string };

/** The lookup function used (tests substitute one). */
export type LookupFn = (host: string, family: 0 | 4 | 6) => Promise<string[]>;

const FAMILY: Record<AddressFamily, 0 | 4 | 6> = { any: 0, ipv4: 4, ipv6: 6 };

/** getaddrinfo through node:dns, all addresses in the resolver's order. */
export const systemLookup: LookupFn = async (host, family) =>
  (await dnsLookup(host, { all: true, family, verbatim: true })).map((a) => a.address);

/** The resolver port. */
export interface Resolver {
  /** Starts a lookup; `done` is called exactly once, never synchronously. */
  resolve(host: string, family: AddressFamily, done: (result: Resolution) => void): void;
  /** Lookups still outstanding. */
  readonly outstanding: number;
}

/**
 * Creates a resolver.
 * @param lookup the lookup function
 * @param timeoutMs answer with an error after this long (getaddrinfo itself cannot be cancelled)
 */
export function createResolver(lookup: LookupFn = systemLookup, timeoutMs = 10_000): Resolver {
  let outstanding = 0;
  return {
    resolve(host, family, done) {
      const literal = isIP(host);
      if (literal !== 0) {
        const fits = family === "any" || (family === "ipv4") === (literal === 4);
        queueMicrotask(() =>
          done(
            fits
              ? { ok: true, addresses: [host] }
              : { ok: false, error: `${host} is not an ${family} address` },
          )
        );
        return;
      }
      outstanding++;
      let settled = false;
      const finish = (r: Resolution) => {
        if (settled) return;
        settled = true;
        outstanding--;
        clearTimeout(timer);
        done(r);
      };
      const timer = setTimeout(() => finish({ ok: false, error: `resolving ${host} timed out` }), timeoutMs);
      lookup(host, FAMILY[family]).then(
        (addresses) =>
          finish(
            addresses.length > 0 ? { ok: true, addresses } : { ok: false, error: `${host} has no addresses` },
          ),
        (e: unknown) =>
          finish({ ok: false, error: `${host}: ${(e as { code?: string }).code ?? String(e)}` }),
      );
    },
    get outstanding() {
      return outstanding;
    },
  };
}
