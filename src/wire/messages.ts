// Every message a replica exchanges, as one discriminated union per direction.
import type { NodeId, RaftMessage } from "../raft/types.ts";

/** As a destination: every replica. As a leader: unknown. */
export const BROADCAST: NodeId = "FFFF";

export interface GetRequest {
  readonly type: "get";
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly MID: string;
  readonly key: string;
}

export interface PutRequest {
  readonly type: "put";
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly MID: string;
  readonly key: string;
  readonly value: string;
}

export type ClientRequest = GetRequest | PutRequest;

/** A get's answer carries `value`; a put's does not. */
export interface OkReply {
  readonly type: "ok";
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly MID: string;
  readonly value?: string;
}

/** Retry at `leader` (the client picks a random replica if it is not a live one). */
export interface RedirectReply {
  readonly type: "redirect";
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly MID: string;
  readonly leader: NodeId;
}

export interface FailReply {
  readonly type: "fail";
  readonly src: NodeId;
  readonly dst: NodeId;
  readonly MID: string;
}

export type ClientReply = OkReply | RedirectReply | FailReply;

export type InboundMessage = ClientRequest | RaftMessage;
export type OutboundMessage = ClientReply | RaftMessage;

export function isClientRequest(message: InboundMessage): message is ClientRequest {
  return message.type === "get" || message.type === "put";
}

export function isClientReply(message: OutboundMessage): message is ClientReply {
  return message.type === "ok" || message.type === "redirect" || message.type === "fail";
}
