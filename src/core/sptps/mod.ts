/**
 * SPTPS, tinc 1.1's Simple Peer-to-Peer Security: tinc base64, Ed25519 keys and key files, the
 * key derivation, the session state machine, node IDs and the meta-protocol carriers.
 * @module
 */
export * from "./base64.ts";
export * from "./ed25519.ts";
export * from "./key_files.ts";
export * from "./key_requests.ts";
export * from "./node_id.ts";
export * from "./prf.ts";
export * from "./session.ts";
