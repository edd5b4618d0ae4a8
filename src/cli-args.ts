// The replica's command line: `3700kvstore <my ID> <other IDs...> [--debug]`.
import { parseArgs } from "node:util";
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
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { debug: { type: "boolean", default: false } } });
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
  const result = v.safeParse(Args, { ids: parsed.positionals, debug: parsed.values.debug === true || (env.KV_DEBUG ?? "") !== "" && env.KV_DEBUG !== "0" });
  if (!result.success) {
    const issue = result.issues[0]!;
    const where = issue.path?.map((p) => String(p.key)).join(".");
    return { ok: false, error: `${issue.message}${where ? ` (argument ${where})` : ""}` };
  }
  const [id, ...peers] = result.output.ids;
  return { ok: true, args: { id: id!, peers, debug: result.output.debug } };
}
