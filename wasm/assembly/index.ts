// The crypto core's exports. Memory layout and ABI: see wasm/README.md.
export { chacha20Block } from "./chacha20";
