/**
 * ADD_EDGE and DEL_EDGE (tinc's protocol_edge.c), with tinc's contradiction handling: a peer
 * that tells us something false about our own edges gets the truth sent back.
 *
 * ```
 *  12 NONCE FROM TO ADDRESS PORT OPTIONS(%x) WEIGHT(%d)      13 NONCE FROM TO
 * ```
 * @module
 */
import type { Request, RequestCode } from "../meta/requests.ts";
import { LogLevel } from "./effects.ts";
import { type Handler, ignored, OK, refused } from "./handler.ts";
import { isValidName } from "./wire.ts";
import type { Connection, EdgeRec } from "./world.ts";

type AddEdge = Extract<Request, { code: RequestCode.ADD_EDGE }>;
type DelEdge = Extract<Request, { code: RequestCode.DEL_EDGE }>;

export const handleAddEdge: Handler<AddEdge> = (core, c, req, line) => {
  if (!isValidName(req.from) || !isValidName(req.to)) return refused("bad node name");
  if (req.from === req.to) return refused("edge from a node to itself");
  if (core.seenRequest(line)) return ignored("already seen");
  if (core.config.tunnelServer && !touches(core.myself.name, c, req)) {
    return ignored("tunnel server: edge between other nodes");
  }
  const from = core.node(req.from);
  const to = core.node(req.to);
  if (from === undefined || to === undefined) return ignored("node table full");
  const options = req.options >>> 0;
  const existing = from.edges.get(to.name);
  if (existing !== undefined) {
    if (
      existing.weight === req.weight && existing.options === options && existing.address === req.address &&
      existing.port === req.port
    ) {
      return ignored("identical edge already known");
    }
    if (from === core.myself) {
      core.log(LogLevel.requests, "Got ADD_EDGE for ourself which does not match existing entry", {
        from: c.name,
      });
      core.sendLine(c, core.addEdgeLine(existing));
      return OK;
    }
    core.log(LogLevel.requests, "Got ADD_EDGE which does not match existing entry", { from: c.name });
    core.delEdge(existing);
  } else if (from === core.myself) {
    core.log(LogLevel.requests, "Got ADD_EDGE for ourself which does not exist", { from: c.name });
    core.contradictingAddEdge++;
    core.sendLine(c, core.delEdgeLine(from.name, to.name));
    return OK;
  }
  const edge: EdgeRec = {
    from,
    to,
    address: req.address,
    port: req.port,
    options,
    weight: req.weight,
    conn: undefined,
    reverse: undefined,
    body: undefined,
  };
  core.addEdge(edge);
  if (!core.config.tunnelServer) core.broadcastLine(line, c);
  return OK;
};

export const handleDelEdge: Handler<DelEdge> = (core, c, req, line) => {
  if (!isValidName(req.from) || !isValidName(req.to)) return refused("bad node name");
  if (core.seenRequest(line)) return ignored("already seen");
  if (core.config.tunnelServer && !touches(core.myself.name, c, req)) {
    return ignored("tunnel server: edge between other nodes");
  }
  const from = core.nodes.get(req.from);
  const to = core.nodes.get(req.to);
  if (from === undefined || to === undefined) return ignored("DEL_EDGE for an unknown node");
  const edge = from.edges.get(to.name);
  if (edge === undefined) return ignored("DEL_EDGE for an edge that does not exist");
  if (from === core.myself) {
    core.log(LogLevel.requests, "Got DEL_EDGE for ourself", { from: c.name });
    core.contradictingDelEdge++;
    core.sendLine(c, core.addEdgeLine(edge));
    return OK;
  }
  if (!core.config.tunnelServer) core.broadcastLine(line, c);
  core.delEdge(edge);
  core.flushGraph();
  if (!to.reachable) {
    const back = to.edges.get(core.myself.name);
    if (back !== undefined) {
      if (!core.config.tunnelServer) core.broadcastLine(core.delEdgeLine(back.from.name, back.to.name));
      core.delEdge(back);
    }
  }
  return OK;
};

/** Whether an edge starts or ends at myself or at the peer that sent it: all a tunnel server
 * takes (tinc ignores "indirect" edge registrations). */
function touches(myName: string, c: Connection, req: { from: string; to: string }): boolean {
  return req.from === myName || req.to === myName || req.from === c.name || req.to === c.name;
}
