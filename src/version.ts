/** tinct's release version and the tinc protocol it speaks. */
export const VERSION = "0.1.0";
export const PROTOCOL_MAJOR = 17;
export const PROTOCOL_MINOR = 7;
