/**
 * Loads the WebAssembly crypto core from its bytes. Taking bytes rather than a path lets the
 * compiled binary pass its embedded copy and tests pass a freshly built one.
 * @module
 */

export interface WasmCoreExports {
  memory: WebAssembly.Memory;
  chacha20Block(state: number, out: number): void;
}

export interface WasmCore {
  exports: WasmCoreExports;
  /** A view of the core's linear memory; re-take after any memory growth. */
  bytes(): Uint8Array;
}

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
  return { exports, bytes: () => new Uint8Array(exports.memory.buffer) };
}
