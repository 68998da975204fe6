/**
 * tinc configuration: the file syntax (parse.ts), tinc's precedence (tree.ts), typed values
 * (values.ts, name.ts, host.ts), the whole node configuration (load.ts) and reload diffs (diff.ts).
 * @module
 */
export * from "./parse.ts";
export * from "./tree.ts";
export * from "./values.ts";
export * from "./name.ts";
export * from "./variables.ts";
export * from "./host.ts";
export * from "./load.ts";
export * from "./diff.ts";
export * from "./pem.ts";
