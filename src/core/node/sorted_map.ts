/**
 * A string-keyed map stored as two arrays kept in key order (strcmp order, as tinc's trees).
 *
 * Every node record holds its edges and its subnets in such a map. An engine in a 1,000-node mesh
 * holds 1,000 node records, and a 1,000-node simulation holds 1,000 engines: a JS Map costs about
 * 550 bytes of storage even for two entries, and such Maps were a third of the simulation's heap.
 * Two arrays searched by bisection cost a fraction of that, and keep the entries in the order
 * tinc walks them. Inserting and removing shift the arrays: fine for the handful of edges and
 * subnets a node has, still fine for a hub with thousands.
 * @module
 */

/** A string-keyed map in key order; the subset of Map's API the engine uses. */
export class SortedStringMap<V> {
  #keys: string[] = [];
  #values: V[] = [];

  /** Number of entries. */
  get size(): number {
    return this.#keys.length;
  }

  /** Index of `key`, or where it would be inserted. */
  #position(key: string): number {
    const keys = this.#keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get(key: string): V | undefined {
    const at = this.#position(key);
    return this.#keys[at] === key ? this.#values[at] : undefined;
  }

  has(key: string): boolean {
    return this.#keys[this.#position(key)] === key;
  }

  set(key: string, value: V): this {
    const at = this.#position(key);
    if (this.#keys[at] === key) {
      this.#values[at] = value;
      return this;
    }
    // Shifted by hand: splice allocates an array of the removed items on every call.
    const keys = this.#keys;
    const values = this.#values;
    keys.push(key);
    values.push(value);
    for (let k = keys.length - 1; k > at; k--) {
      keys[k] = keys[k - 1]!;
      values[k] = values[k - 1]!;
    }
    keys[at] = key;
    values[at] = value;
    return this;
  }

  delete(key: string): boolean {
    const at = this.#position(key);
    const keys = this.#keys;
    if (keys[at] !== key) return false;
    const values = this.#values;
    for (let k = at + 1; k < keys.length; k++) {
      keys[k - 1] = keys[k]!;
      values[k - 1] = values[k]!;
    }
    keys.pop();
    values.pop();
    return true;
  }

  clear(): void {
    this.#keys = [];
    this.#values = [];
  }

  /** The keys in order. The map's own array: read it, don't keep it across changes. */
  keys(): readonly string[] {
    return this.#keys;
  }

  /** The values in key order. The map's own array: read it, don't keep it across changes (copy
   * it to change the map while walking it). */
  values(): readonly V[] {
    return this.#values;
  }

  *[Symbol.iterator](): IterableIterator<[string, V]> {
    for (let k = 0; k < this.#keys.length; k++) yield [this.#keys[k]!, this.#values[k]!];
  }
}
