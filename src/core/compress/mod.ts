/**
 * tinc's packet compression (levels 0–12): the port, the pure LZO1X and LZ4 codecs, and the
 * compressor that combines them with a runtime-provided zlib.
 * @module
 */
export * from "./compressor.ts";
export { type CompressorOptions, createCompressor, lz4Failure, lzoFailure } from "./codecs.ts";
export { lz4Bound, lz4Decompress, Lz4Encoder, Lz4Status } from "./lz4_block.ts";
export { Lzo1xBestEncoder, lzo1xBound, Lzo1xFastEncoder } from "./lzo1x_compress.ts";
export { lzo1xDecompress, LzoStatus } from "./lzo1x_decompress.ts";
