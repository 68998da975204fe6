/**
 * A test aid: a view of a Uint8Array whose indexed reads and writes outside [0, length) throw.
 * Plain typed arrays return `undefined` for such reads and drop such writes silently, which would
 * hide an out-of-bounds access in a decoder. Slow (a Proxy); never used on the data path.
 * @module
 */

const INDEX = /^-?\d+$/;

/** Wraps `a`; methods (subarray, set, ...) run on the real array. */
export function strictBounds(a: Uint8Array): Uint8Array {
  return new Proxy(a, {
    get(target, key) {
      if (typeof key === "string" && INDEX.test(key)) {
        const i = Number(key);
        if (i < 0 || i >= target.length) {
          throw new RangeError(`out-of-bounds read at ${i} of ${target.length}`);
        }
        return target[i];
      }
      const v: unknown = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
    set(target, key, value) {
      if (typeof key === "string" && INDEX.test(key)) {
        const i = Number(key);
        if (i < 0 || i >= target.length) {
          throw new RangeError(`out-of-bounds write at ${i} of ${target.length}`);
        }
        target[i] = value as number;
        return true;
      }
      return Reflect.set(target, key, value, target);
    },
  });
}
