/**
 * Loads the WebAssembly crypto core from its bytes. Taking bytes rather than a path lets the
 * compiled binary pass its embedded copy and tests pass a freshly built one. The ABI (exports,
 * memory map, status codes) is documented in wasm/README.md.
 * @module
 */

/** The raw exports of wasm/build/core.wasm. Offsets are arena-relative unless said otherwise. */
export interface WasmCoreExports {
  memory: WebAssembly.Memory;
  /** 0 when the compiler's static data stayed below the fixed memory map. */
  init(): number;
  arenaBase(): number;
  arenaSize(): number;
  descriptorBase(): number;
  descriptorCount(): number;
  stagingBase(): number;
  stateBase(): number;
  slotCount(): number;
  setSimd(on: number): void;
  simdEnabled(): number;
  /** Installs the first 32 bytes of the 64-byte key staged at stagingBase(); dir 0 send, 1 recv. */
  setKey(slot: number, dir: number): number;
  clearKey(slot: number, dir: number): number;
  replayReset(slot: number, windowBytes: number, legacy: number): number;
  replayCheck(slot: number, seqno: number): number;
  replayCommit(slot: number, seqno: number): number;
  replayTop(slot: number): number;
  sealRecord(off: number, dataLen: number, seqno: number, slot: number, type: number): number;
  sealBody(off: number, dataLen: number, seqno: number, slot: number, type: number): number;
  /** Type (>= 0) or -status. */
  openRecord(off: number, recordLen: number, slot: number): number;
  /** Type (>= 0) or -status. */
  openBody(off: number, bodyLen: number, seqno: number, slot: number): number;
  sealBatch(first: number, count: number): number;
  openBatch(first: number, count: number): number;
  chacha20Xor(
    keyOff: number,
    c0: number,
    c1: number,
    n0: number,
    n1: number,
    wide: number,
    srcOff: number,
    dstOff: number,
    len: number,
  ): number;
  poly1305(keyOff: number, msgOff: number, len: number, outOff: number): number;
  /** Block function on absolute addresses in the staging area or arena; 0 on success. */
  chacha20Block(state: number, out: number): number;
}

/** A loaded core. */
export interface WasmCore {
  exports: WasmCoreExports;
  /** A view of the core's linear memory (its size is fixed, so a view stays valid). */
  bytes(): Uint8Array;
}

/**
 * Instantiates the core and checks its memory map.
 * @param wasmBytes the bytes of core.wasm
 * @returns the loaded core
 */
export function instantiateWasmCore(wasmBytes: Uint8Array): WasmCore {
  const module = new WebAssembly.Module(wasmBytes);
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_msg: number, _file: number, line: number, column: number): never {
        throw new Error(`wasm core aborted at ${line}:${column}`);
      },
    },
  });
  const exports = instance.exports as unknown as WasmCoreExports;
  const status = exports.init();
  if (status !== 0) throw new Error(`Cannot use the wasm core: its memory map check failed (${status})`);
  return { exports, bytes: () => new Uint8Array(exports.memory.buffer) };
}
