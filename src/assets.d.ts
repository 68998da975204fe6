// Files imported with `with { type: "file" }` resolve to a path (embedded in compiled builds).
declare module "*.wasm" {
  const path: string;
  export default path;
}
