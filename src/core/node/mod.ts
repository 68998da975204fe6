/**
 * The node engine: one tinc node as a pure state machine.
 * @module
 */
export { Engine } from "./engine.ts";
export type { ControlRequest, ControlResult, EngineView, MetaConnectInfo } from "./engine.ts";
export { addressesOf, type EngineConfig, type HostConfig, withDefaults } from "./config.ts";
export { addrKey, LogLevel } from "./effects.ts";
export type {
  ConnId,
  Effects,
  LogFields,
  LogLevelValue,
  RandomSource,
  SockAddr,
  WriteMode,
} from "./effects.ts";
export type { Authenticator, AuthStep } from "./auth/authenticator.ts";
export { BypassAuthenticator } from "./auth/bypass.ts";
export { type LegacyAuthContext, legacyAuthContext, LegacyAuthenticator } from "./auth/legacy.ts";
export { keyringFor, LegacyKeyring } from "./auth/legacy_keys.ts";
export { type PacketSettingNames, packetSettingsFromNames } from "./auth/legacy_packet.ts";
export { NULL_PACKET_SETTINGS, type PacketSettings, TINC_PACKET_DEFAULTS } from "./config.ts";
export {
  hostKeyFields,
  legacyEngineSettings,
  privateKeyPath,
  privateKeyPemFromHex,
} from "./auth/legacy_config.ts";
