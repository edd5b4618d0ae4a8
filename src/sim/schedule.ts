// The run's timetable, fixed before it starts (SPEC §3.3, §3.7): requests spread evenly
// over [start_wait, lifetime - end_wait], each a get with probability mix and from a
// random client, plus the scenario's events. Drawn from its own stream, so the same seed
// always gives the same sequence whatever the replicas do.
import { NUM_CLIENTS } from "./ids.ts";
import type { Rng } from "./prng.ts";
import type { EventType, Scenario } from "./scenario.ts";

export type Scheduled =
  | { at: number; kind: "request"; get: boolean; client: number }
  | { at: number; kind: EventType };

export function buildSchedule(s: Scenario, rng: Rng): Scheduled[] {
  const out: Scheduled[] = [];
  const delta = s.requests > 0 ? (s.lifetime - s.startWait - s.endWait) / s.requests : 0;
  for (let i = 0; i < s.requests; i++) {
    const get = rng.next() < s.mix;
    out.push({ at: s.startWait + i * delta, kind: "request", get, client: rng.int(NUM_CLIENTS) });
  }
  // Event times count from start_wait, as the classic simulator schedules them.
  for (const e of s.events) out.push({ at: s.startWait + e.time, kind: e.type });
  // Stable sort: at equal times requests come first, then events in file order.
  return out.sort((a, b) => a.at - b.at);
}
