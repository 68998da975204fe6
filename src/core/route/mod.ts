/**
 * Routing of Ethernet frames (tinc route.c; spec §7): the {@link Router} decides per frame, the
 * broadcast rule picks peers for broadcasts, and the frame helpers are shared with the data path.
 * @module
 */
export {
  defaultRouteOptions,
  type ForwardingMode,
  type RouteAction,
  RouteDecision,
  type RouteMode,
  type RouteNode,
  type RouteOptions,
  type RoutePort,
  Router,
  type RouteReason,
} from "./router.ts";
export {
  type BroadcastConnection,
  type BroadcastInput,
  type BroadcastMode,
  type BroadcastNode,
  broadcastTargets,
} from "./broadcast.ts";
export { LearnedMacs } from "./mac_learning.ts";
export { macFromKey, macKey } from "./frame.ts";
