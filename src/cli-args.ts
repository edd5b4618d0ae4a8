// The replica's command line: `3700kvstore <my ID> <other IDs...> [--debug]`.
// Split by hand, not with node:util's parseArgs as the tools do: loading node:util cost
// the replica about 1.5 ms of its start-up (of about 8), for one flag.
import * as v from "valibot";

const ReplicaId = v.pipe(v.string(), v.regex(/^[0-9A-Fa-f]{4}$/, "a replica ID is 4 hexadecimal characters"));

const Args = v.pipe(
  v.object({
    ids: v.pipe(v.array(ReplicaId), v.minLength(1, "usage: 3700kvstore <my ID> <other IDs...>")),
    debug: v.boolean(),
  }),
  v.check((args) => new Set(args.ids).size === args.ids.length, "replica IDs must be distinct"),
);

export interface ReplicaArgs {
  id: string;
  peers: string[];
  debug: boolean;
}

export function parseReplicaArgs(argv: string[], env: Record<string, string | undefined>): { ok: true; args: ReplicaArgs } | { ok: false; error: string } {
  const ids: string[] = [];
  let debug = (env.KV_DEBUG ?? "") !== "" && env.KV_DEBUG !== "0";
  for (const arg of argv) {
    if (arg === "--debug") debug = true;
    else if (arg.startsWith("-")) return { ok: false, error: `unknown option ${arg} (usage: 3700kvstore <my ID> <other IDs...> [--debug])` };
    else ids.push(arg);
  }
  const result = v.safeParse(Args, { ids, debug });
  if (!result.success) {
    const issue = result.issues[0]!;
    const where = issue.path?.map((p) => String(p.key)).join(".");
    return { ok: false, error: `${issue.message}${where ? ` (argument ${where})` : ""}` };
  }
  const [id, ...peers] = result.output.ids;
  return { ok: true, args: { id: id!, peers, debug: result.output.debug } };
}
