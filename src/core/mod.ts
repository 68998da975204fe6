/**
 * The pure, sans-I/O tinc engine. Everything here is deterministic: time, randomness and file
 * contents arrive as inputs; work to do leaves through the Effects port.
 * @module
 */
export {};
