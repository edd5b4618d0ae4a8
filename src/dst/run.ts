// One deterministic simulation run: a chaos phase (faults, racing clients, invariants after
// every event), a liveness phase (everything healed: a leader must emerge and every client
// must get answers), then the linearizability check of the whole client history.
import { checkHistory, DEFAULT_MAX_STEPS, HistoryRecorder, type CheckResult } from "../check/index.ts";
import { seededRandom } from "../util/prng.ts";
import { Clients } from "./clients.ts";
import { VirtualCluster } from "./cluster.ts";
import { FaultSchedule } from "./faults.ts";
import { InvariantChecker } from "./invariants.ts";
import { CALM, Network } from "./network.ts";
import { describeScenario, scenarioFor, type Scenario, type ScenarioOverrides } from "./scenario.ts";

export interface RunOptions extends ScenarioOverrides {
  /** Receives the event trace (messages, timers, faults, client actions). */
  trace?: (line: string) => void;
  /** Treat a successor's second ok for a put as a violation too (see clients.ts). */
  strictReplies?: boolean;
  /** Search budget per key for the checker. */
  checkSteps?: number;
}

export interface RunResult {
  seed: number;
  scenario: Scenario;
  /** Empty when the run is correct. */
  violations: string[];
  /** The checker's verdict could not be reached within its budget (not a violation). */
  undecided: string | undefined;
  ops: number;
  oks: number;
  events: number;
  virtualMs: number;
  /** Second oks for a put from a successor leader (see clients.ts); allowed by design. */
  successorDuplicates: number;
  /** Requests that got no reply within the client timeout. */
  abandoned: number;
  /** Terms that had a leader. */
  elections: number;
}

/** Answers each client must get after the heal, to show the cluster serves again. */
const LIVENESS_ANSWERS = 2;

export function reproduceCommand(seed: number): string {
  return `bun run dst --seed ${seed} --trace`;
}

export function runSeed(seed: number, options: RunOptions = {}): RunResult {
  const scenario = scenarioFor(seed, options);
  const trace = options.trace;
  trace?.(describeScenario(scenario));
  const random = seededRandom(seed);
  const cluster = new VirtualCluster({
    size: scenario.size,
    seed: Math.floor(random() * 2 ** 32),
    wire: scenario.wire,
    trace,
    config: scenario.maxAppendBytes !== undefined ? { maxAppendBytes: scenario.maxAppendBytes } : undefined,
  });
  const network = new Network(cluster.ids, scenario.network);
  cluster.link = network.policy;
  cluster.lostInFlight = (from, to) => network.isCut(from, to);
  const faultLog = (line: string): void => trace?.(`${cluster.now.toFixed(1)} FAULT ${line}`);
  const faults = new FaultSchedule(cluster, network, scenario, seededRandom(Math.floor(random() * 2 ** 32)), faultLog);
  const history = new HistoryRecorder();
  const clients = new Clients(cluster, scenario, history, seededRandom(Math.floor(random() * 2 ** 32)), trace);
  clients.strictReplies = options.strictReplies ?? false;
  const invariants = new InvariantChecker(cluster);
  let events = 0;
  if (scenario.reactive) faults.enableReactive(scenario.chaosMs);
  cluster.afterEvent = (touched) => {
    events++;
    invariants.check(touched);
    if (scenario.reactive) faults.react();
  };
  const broken = (): boolean => invariants.violation !== undefined || clients.violation !== undefined;

  // Chaos phase.
  clients.start(0);
  faults.start(0, scenario.chaosMs);
  cluster.runUntil(scenario.chaosMs, broken);

  // Liveness phase: heal, then a leader must emerge and every client must be answered.
  const violations: string[] = [];
  if (!broken()) {
    faults.healAll();
    network.params = { ...CALM, delayMin: scenario.network.delayMin, delayMax: Math.min(scenario.network.delayMax, scenario.network.delayMin + 5) };
    clients.resetCounts();
    const deadline = scenario.chaosMs + scenario.livenessMs;
    cluster.runUntil(deadline, () => broken() || (clients.allAnswered(LIVENESS_ANSWERS) && cluster.leaders().length > 0));
    if (!broken()) {
      if (cluster.leaders().length === 0) violations.push(`liveness: no leader ${scenario.livenessMs} ms after healing`);
      else if (!clients.allAnswered(LIVENESS_ANSWERS)) violations.push(`liveness: some client got fewer than ${LIVENESS_ANSWERS} answers in ${scenario.livenessMs} ms after healing`);
    }
  }
  clients.stop();
  if (invariants.violation !== undefined) violations.push(`invariant: ${invariants.violation}`);
  if (clients.violation !== undefined) violations.push(`client: ${clients.violation}`);

  // The history, including everything still unanswered (unknown outcome).
  const ops = history.history();
  const verdict: CheckResult = checkHistory(ops, { initialValue: "", maxSteps: options.checkSteps ?? DEFAULT_MAX_STEPS });
  let undecided: string | undefined;
  if (verdict.ok === false) violations.push(`linearizability: ${verdict.explanation}`);
  else if (verdict.ok === "unknown") undecided = verdict.reason;

  return {
    seed,
    scenario,
    violations,
    undecided,
    ops: ops.length,
    oks: ops.filter((op) => op.outcome === "ok").length,
    events,
    virtualMs: cluster.now,
    elections: invariants.elections,
    successorDuplicates: clients.successorDuplicates,
    abandoned: clients.abandoned,
  };
}
