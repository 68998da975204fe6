/**
 * tinc 1.0's legacy crypto, pure TypeScript: RSA key files and raw RSA, METAKEY, the meta-stream
 * cipher, CHALLENGE/CHAL_REPLY, ANS_KEY key material, UDP packet sealing/opening and the replay
 * window.
 * @module
 */
export * from "./bytes.ts";
export * from "./challenge.ts";
export * from "./key_material.ts";
export * from "./meta_stream.ts";
export * from "./metakey.ts";
export * from "./nid.ts";
export * from "./packet.ts";
export * from "./provider.ts";
export * from "./receive.ts";
export * from "./replay_window.ts";
export * from "./result.ts";
export * from "./rsa.ts";
export * from "./rsa_keygen.ts";
export * from "./rsa_pem.ts";
