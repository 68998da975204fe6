/**
 * Picks the TUN/TAP implementation for the running OS, once, by table.
 * @module
 */
import type { TunDevice, TunOpener, TunOptions } from "./tun.ts";
import { openTunDarwin } from "./tun_darwin.ts";
import { openTunLinux } from "./tun_linux.ts";

const OPENERS: Record<string, TunOpener> = { linux: openTunLinux, darwin: openTunDarwin };

/**
 * Opens a TUN/TAP device with this OS's implementation.
 * @param options mode, name, device, MTU
 * @returns the device; throws when the OS is unsupported or opening fails
 */
export function openTun(options: TunOptions): TunDevice {
  const open = OPENERS[process.platform];
  if (!open) throw new Error(`Cannot open a TUN/TAP device: unsupported platform ${process.platform}`);
  return open(options);
}
