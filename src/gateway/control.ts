/**
 * The gateway as the cutover sees it. With zdp's filter loaded in every Kroxylicious instance
 * (java/ZdpKroxylicious.java), clients are quiesced without a restart: consumers drained (no
 * records, commits pass), then producers held (nothing forwarded that a client will send again),
 * and the switch binds a standby instance in front of the target that makes each consumer rejoin
 * its group before it reads. Without the filter (`gateway up --no-filter`, or an instance that does
 * not answer), fencing stops the proxy and switching starts it again in front of the other cluster.
 * Every action is idempotent, so a resumed cutover can repeat it.
 */
import type { ClusterProfile } from '../config/types.js';
import { findJava } from '../processes/java.js';
import { dropStandby, endDying, gatewayRunning, instanceStateDirs, readControlToken, readGateway, releaseStandby, resolveKroxylicious, standbyLoaded, startGateway, startStandby, stopGateway, writeGateway, type GatewayRecord, type StartedGateway } from '../processes/kroxylicious.js';
import { CheckFailedError, NotFoundError } from '../errors.js';
import type { Committed } from '../core/cutover/drain.js';
import { fleetDrainEnd } from '../core/cutover/drain-end.js';
import { gateShare } from '../core/cutover/gate.js';
import { QuiesceEndpoint, type DeliveredOffset, type DrainAsk, type DrainPlanAnswer, type QuiescePhase, type QuiesceState } from './quiesce.js';

export interface GatewayCapabilities {
  /** producers can be fenced while consumers keep reading */
  separateProduceFence: boolean;
  /** clients keep their connections across the switch (else they reconnect, and records processed but not committed are read again) */
  seamlessSwitch: boolean;
}

export interface GatewayControl {
  readonly kind: string;
  readonly capabilities: GatewayCapabilities;
  /** the cluster the gateway routes to, and whether it serves clients now */
  state(): Promise<{ cluster: string; serving: boolean; address: string; /** why it does not serve, when it can say */ problem?: string }>;
  fenceProducers(): Promise<void>;
  fenceConsumers(): Promise<void>;
  /** optional: get the switch to `cluster` ready while clients are still served (nothing changes for them) */
  prepareSwitch?(cluster: ClusterProfile): Promise<void>;
  /** optional: forget a prepared switch that will not happen */
  cancelSwitch?(): Promise<void>;
  /** `gate`: client ids the new backend's instances serve no records to until they joined their group there */
  switchTo(cluster: ClusterProfile, options?: { gate?: readonly string[] }): Promise<void>;
  /**
   * optional, with zdp's filter: the switch's new instances bound now, in front of `cluster`, holding
   * producers and every group request (joins, offset reads and commits) until release, so that
   * clients reconnect there while the cutover still writes the offsets; afterwards switchTo changes
   * nothing and release lets the held requests go. Undefined when it cannot (an instance whose new
   * proxy has no filter to hold with): the switch then binds them, as without it.
   */
  bindEarly?(cluster: ClusterProfile, options?: { gate?: readonly string[] }): Promise<{ readyMs: number } | undefined>;
  /** serve clients again (on the current backend); resolves once the gateway answers */
  release(): Promise<{ readyMs: number }>;
  /** zdp's filter in every instance: undefined when an instance cannot be reached (the cutover then fences by restarting) */
  quiesce?(): Promise<QuiesceControl | undefined>;
}

/** The gateway's instances moved through the quiesce phases together: each call returns once every instance acknowledged. */
export interface QuiesceControl {
  readonly instances: number;
  /**
   * Consumers get no records; commits pass. Each instance cuts a consumer that commits on a timer
   * off just before its next commit, and the others just before the last of those (with
   * `othersWhenTold`: without a lead for processing, or sooner when told, cutOthers). Resolves once
   * every consumer is cut off (with `othersWhenTold`: once every instance planned), with when the
   * first was and the latest planned end (epoch ms).
   */
  drainConsumers(timeoutMs: number): Promise<{ from: number; endsAt?: number; othersWhenTold?: boolean }>;
  /**
   * What every instance delivered, per client and partition, and the commits answered through them
   * since the drain began; how many consumers that commit on a timer have not committed since their
   * cut-off and the client ids of those cut off, and whether every instance's others are cut off
   * (true from a filter that is not told)
   */
  drainState(): Promise<{ delivered: DeliveredOffset[]; committed: Committed[]; timersWaiting?: number; timersCut?: string[]; othersCut?: boolean }>;
  /** a drain's other consumers cut off on every instance now (best effort: an instance not reached cuts them itself just before its end) */
  cutOthers?(): Promise<void>;
  /** producers held; resolves once what was already forwarded was answered */
  holdProducers(timeoutMs: number): Promise<void>;
}

/** Moves every endpoint to `phase`; one that does not acknowledge in time puts the others back to serve and fails. */
export async function phaseAll(endpoints: readonly QuiesceEndpoint[], phase: QuiescePhase, timeoutMs: number, drain: DrainAsk = {}, hold: { holdGroups?: boolean } = {}): Promise<QuiesceState[]> {
  const results = await Promise.allSettled(endpoints.map((e) => e.setPhase(phase, timeoutMs, drain, hold)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${endpoints[i]!.url}: ${(r.reason as Error).message}`] : r.value.inForce ? [] : [`${endpoints[i]!.url}: ${phase} not in force after ${timeoutMs} ms (${r.value.inflight.produce} produce, ${r.value.inflight.fetch} fetch requests still unanswered)`]));
  if (failed.length === 0) return results.map((r) => (r as PromiseFulfilledResult<QuiesceState>).value);
  await Promise.allSettled(endpoints.map((e) => e.setPhase('serve', 5_000)));
  throw new CheckFailedError('GATEWAY_NOT_QUIESCED', `the gateway's instances did not all acknowledge ${phase}: ${failed.join('; ')}`, {
    hint: 'every instance was put back to serve; check the instances (`zdp gateway status`), then `zdp cutover --resume`',
    retriable: true,
  });
}

/** how far apart a fleet's drain ends may be: an instance ends at a commit of its own consumers up to this long before the fleet's end (DRAIN_ALIGN_SLACK_MS in the filter) */
export const DRAIN_ALIGN_SLACK_MS = 500;

/**
 * A fleet's instances each plan their drain when the phase reaches them, from the commits they see:
 * asked for their ends first, they were given the latest, yet in a fleet benchmark run the one with
 * the Java consumers, planning again when the phase reached it, found their next commit 10 ms before that end and
 * ended at their next, 5 s later: the kafkajs consumers of the other instance waited those 5 s with
 * nothing to read (a 5.2 s pause). Once every instance has planned, those that end more than
 * DRAIN_ALIGN_SLACK_MS before the latest are given its end, a few rounds at most (an instance with
 * timer clients may move to a later commit of theirs). Best effort and quiet: an instance that does
 * not say (or a phase request that settled first) leaves each plan as it was. Returns the end agreed
 * on, undefined when none was. Since the cutover gives every instance the end it chose over all their
 * timer clients (drainEndsAt), this moves nothing unless an instance's filter gives no timer clients.
 */
export async function alignDrainEnds(endpoints: readonly Pick<QuiesceEndpoint, 'state' | 'alignDrain'>[], settled: () => boolean, waitMs = 3_000): Promise<number | undefined> {
  const until = performance.now() + waitMs;
  let ends: (number | undefined)[] = [];
  while (!settled() && performance.now() < until) {
    const states = await Promise.all(endpoints.map((e) => e.state(2_000).catch(() => undefined)));
    ends = states.map((s) => (s?.phase === 'drain-consumers' ? s.drainEndsAt : undefined));
    if (ends.every((e) => e !== undefined)) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  if (ends.length !== endpoints.length || !ends.every((e): e is number => e !== undefined)) return undefined;
  const known = ends as number[];
  for (let round = 0; ; round++) {
    const latest = Math.max(...known);
    const behind = known.flatMap((end, i) => (end + DRAIN_ALIGN_SLACK_MS < latest ? [i] : []));
    if (behind.length === 0) return latest;
    if (round === 3 || settled()) return undefined;
    const answers = await Promise.all(behind.map((i) => endpoints[i]!.alignDrain(latest).catch(() => undefined)));
    for (const [n, i] of behind.entries()) {
      const end = answers[n];
      if (end === undefined) return undefined;
      known[i] = end;
    }
  }
}

/** The quiesce of a set of instances' filters, each phase acknowledged by all of them. */
export function quiesceOver(endpoints: readonly QuiesceEndpoint[]): QuiesceControl {
  return {
    instances: endpoints.length,
    drainConsumers: async (timeoutMs) => {
      const startedAt = Date.now();
      // a fleet drains as one: every instance ends where the timer clients of all of them wait least
      // (each gives them), or else with the one whose consumers commit last, so that a kafkajs
      // consumer on one instance is not cut off seconds before a Java consumer on another
      const plans = endpoints.length > 1 ? await Promise.all(endpoints.map((e) => e.planDrain().catch((): DrainPlanAnswer => ({})))) : [];
      const exact = plans.length > 0 && plans.every((p) => p.timers !== undefined) ? fleetDrainEnd(plans.flatMap((p) => p.timers!), Date.now()) : undefined;
      const notBefore = Math.max(0, ...plans.map((p) => p.endsAt).filter((end): end is number => end !== undefined));
      let settled = false;
      // the others (kafkajs) are cut off just before the end, without a predicted lead for processing, or when the cutover saw every timer client's commit
      const phasing = phaseAll(endpoints, 'drain-consumers', timeoutMs, { ...(exact === undefined && notBefore > 0 ? { notBefore } : {}), ...(exact === undefined ? {} : { endsAt: exact }), othersWhenTold: true });
      phasing.then(
        () => (settled = true),
        () => (settled = true),
      );
      // each instance plans again when the phase reaches it, from the commits it sees then: ends
      // that drifted apart are brought together before anyone is cut off
      if (endpoints.length > 1) await alignDrainEnds(endpoints, () => settled);
      const states = await phasing;
      const ends = states.map((s) => s.drainEndsAt).filter((e): e is number => e !== undefined);
      return {
        from: Math.min(...states.map((s) => s.drainFrom ?? startedAt)),
        ...(ends.length > 0 ? { endsAt: Math.max(...ends) } : {}),
        othersWhenTold: states.every((s) => s.drainOthersCut !== undefined),
      };
    },
    cutOthers: async () => void (await Promise.allSettled(endpoints.map((e) => e.cutOthers()))),
    holdProducers: async (timeoutMs) => void (await phaseAll(endpoints, 'hold-producers', timeoutMs)),
    drainState: async () => {
      const states = await Promise.all(endpoints.map((e) => e.state()));
      return {
        delivered: states.flatMap((s) => s.delivered),
        committed: states.flatMap((s) => (s.committed ?? []).map((c) => ({ group: c.group, topic: c.topic, partition: c.partition, offset: BigInt(c.offset) }))),
        timersWaiting: states.reduce((n, s) => n + (s.drainTimersWaiting ?? 0), 0),
        timersCut: states.flatMap((s) => s.drainTimersCut ?? []),
        othersCut: states.every((s) => s.drainOthersCut !== false),
      };
    },
  };
}

/** One proxy instance `zdp gateway up` started, with its own state directory (see instanceStateDir). */
class Instance {
  constructor(readonly dir: string) {}

  record(): GatewayRecord {
    const r = readGateway(this.dir);
    if (!r) throw new NotFoundError('GATEWAY_NOT_FOUND', `no gateway was started for this project${this.dir.includes('instances') ? ` (instance ${this.dir})` : ''}`, { hint: 'start one with `zdp gateway up --cluster <source> --cover <target>`' });
    return r;
  }

  running(r = this.record()): boolean {
    return gatewayRunning(this.dir, r);
  }

  endpoint(port: number): QuiesceEndpoint {
    return new QuiesceEndpoint(`http://127.0.0.1:${port}`, readControlToken(this.dir));
  }
}

/**
 * Kroxylicious run by `zdp gateway up`, one instance or a fleet (`--replicas`): every action is
 * applied to every instance, and each call returns once all of them acknowledged.
 */
export class KroxyliciousControl implements GatewayControl {
  readonly kind = 'kroxylicious';
  readonly capabilities = { separateProduceFence: false, seamlessSwitch: false };

  constructor(
    private readonly stateDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  private instances(): Instance[] {
    return instanceStateDirs(this.stateDir).map((d) => new Instance(d));
  }

  async state() {
    // each instance's record read once
    const all = this.instances().map((i) => ({ i, r: i.record() }));
    return { cluster: all[0]!.r.cluster, serving: all.every(({ i, r }) => i.running(r)), address: all.map(({ r }) => r.bootstrapAddress).join(',') };
  }

  async fenceProducers(): Promise<void> {
    await Promise.all(this.instances().map((i) => stopGateway(i.dir, { force: true })));
  }

  async fenceConsumers(): Promise<void> {
    await this.fenceProducers();
  }

  /** A second proxy per instance, loaded for the target and waiting to bind: the switch then costs a bind, not a JVM start. */
  async prepareSwitch(cluster: ClusterProfile): Promise<void> {
    const java = await findJava(this.env);
    const lib = await resolveKroxylicious(this.env, this.log);
    await Promise.all(this.instances().map((i) => startStandby(i.dir, cluster.name, cluster.bootstrapServers, java, lib, this.env)));
  }

  async cancelSwitch(): Promise<void> {
    await Promise.all(this.instances().map((i) => dropStandby(i.dir)));
  }

  /**
   * The filter of every instance, or undefined when none has it (started with --no-filter: the
   * cutover fences by restarting). An instance with the filter that does not answer stops the
   * cutover here, before anything changed for clients.
   */
  async quiesce(): Promise<QuiesceControl | undefined> {
    const all = this.instances();
    const records = all.map((i) => i.record());
    if (records.every((r) => r.filter === false || r.controlPort === undefined)) return undefined;
    const endpoints = all.map((instance, n) => {
      const r = records[n]!;
      if (r.controlPort === undefined || !instance.running(r)) {
        throw new CheckFailedError('GATEWAY_INSTANCE_DOWN', `gateway instance ${n} (${r.bootstrapAddress}) is ${instance.running(r) ? 'running without zdp\'s filter' : 'not running'}: the fleet cannot be quiesced as one`, { hint: 'start it again (`zdp gateway down` and `zdp gateway up` with the same --replicas), then run the cutover again; nothing changed for clients' });
      }
      return instance.endpoint(r.controlPort);
    });
    const answers = await Promise.allSettled(endpoints.map((e) => e.state()));
    const silent = answers.flatMap((a, n) => (a.status === 'rejected' ? [`instance ${n} (${endpoints[n]!.url}): ${(a.reason as Error).message}`] : []));
    if (silent.length > 0) {
      throw new CheckFailedError('GATEWAY_INSTANCE_SILENT', `the gateway's filter does not answer on ${silent.join('; ')}`, { hint: '`zdp gateway status` lists the instances; nothing changed for clients', retriable: true });
    }
    return quiesceOver(endpoints);
  }

  /**
   * Each instance's standby bound now in front of `cluster` (see GatewayControl.bindEarly): loaded if
   * it is not (a cutover resumed in another process), told to hold producers and group requests
   * (nothing reaches `cluster` from a client until release) and gated as at the switch, then the old
   * instance goes and the standby binds; each instance on its own, none waiting for another's. An
   * instance already bound there is left as it is: a resumed cutover repeats this.
   */
  async bindEarly(cluster: ClusterProfile, options: { gate?: readonly string[] } = {}): Promise<{ readyMs: number } | undefined> {
    const pending = this.instances().filter((i) => {
      const r = i.record();
      return !(r.cluster === cluster.name && i.running(r));
    });
    // an old instance a cutover stopped after its standby bound, before ending it
    for (const i of this.instances()) endDying(i.dir);
    if (pending.length === 0) return { readyMs: 0 };
    if (pending.some((i) => i.record().filter === false)) return undefined;
    if (!pending.every((i) => standbyLoaded(i.dir, cluster.name))) {
      const java = await findJava(this.env);
      const lib = await resolveKroxylicious(this.env, this.log);
      await Promise.all(pending.map((i) => startStandby(i.dir, cluster.name, cluster.bootstrapServers, java, lib, this.env)));
    }
    if (pending.some((i) => i.record().standby?.controlPort === undefined)) return undefined;
    const ready = await Promise.all(pending.map(async (i) => {
      const standby = i.endpoint(i.record().standby!.controlPort!);
      await Promise.all([phaseAll([standby], 'hold-producers', 10_000, {}, { holdGroups: true }), this.gateStandby(i, cluster, options.gate)]);
      const bound = await this.handOver(i, cluster);
      if (!bound) throw new CheckFailedError('GATEWAY_NOT_SWITCHED', `gateway instance ${i.dir} has no standby for ${cluster.name} to bind`, { hint: '`zdp cutover --resume` loads it again', retriable: true });
      return bound.readyMs;
    }));
    return { readyMs: Math.max(...ready) };
  }

  async switchTo(cluster: ClusterProfile, options: { gate?: readonly string[] } = {}): Promise<void> {
    const all = this.instances();
    // first every standby gates the consumers, then the old instances go: held produce requests die
    // with them, unanswered, and their clients send them again, to the new backend
    await Promise.all(all.map((i) => this.gateStandby(i, cluster, options.gate)));
    await Promise.all(all.map((i) => this.retire(i, cluster)));
  }

  /**
   * The instance's standby for `cluster` gates the members of its own instance: a client stays on
   * the instance whose addresses it was given (an instance that does not say which it had gets the
   * whole list). It is given the transactional producers whose transactions all ended at its
   * instance while producers were held, so that their next transaction begins there (an instance
   * not holding producers names none).
   */
  private async gateStandby(i: Instance, cluster: ClusterProfile, gate: readonly string[] = []): Promise<void> {
    const r = i.record();
    if (!(r.standby?.cluster === cluster.name && r.standby.controlPort !== undefined)) return;
    // the old instance killed by zdp (a switch or bind cut short and repeated): it was gated before
    // the kill, with its own share; the whole list now would keep the gate closed for members that
    // speak through other instances
    if (!i.running(r) && r.dyingPid !== undefined) return;
    const old = i.running(r) && r.controlPort !== undefined && r.cluster !== cluster.name ? await i.endpoint(r.controlPort).state().catch(() => undefined) : undefined;
    const share = gate.length > 0 ? gateShare(gate, old?.members) : [];
    const transactions = old?.transactionsEnded ?? [];
    if (share.length > 0 || transactions.length > 0) await i.endpoint(r.standby.controlPort).gate(share, 30_000, transactions);
  }

  /**
   * The instance's standby binds in front of `cluster` in its place, with the old instance's
   * clients kept connected until it listens: the old one stops listening (its connections, and the
   * requests held on them, stay), the standby binds the freed addresses, and the old one, seeing
   * it listen, closes (its waiting Fetches answered, see retire) and exits; the release ends it
   * should it not have. A client whose connection closes finds the standby already there; closed first and
   * bound after, a kafkajs client that reconnected at once was refused and waited out its backoff.
   * An old instance that cannot stop listening alone (a filter or Kroxylicious without it) goes
   * first, as before.
   */
  private async handOver(i: Instance, cluster: ClusterProfile): Promise<StartedGateway | undefined> {
    const r = i.record();
    const old = i.running(r) && r.cluster !== cluster.name && r.controlPort !== undefined && r.standby?.cluster === cluster.name && r.standby.waitsForPorts === true ? i.endpoint(r.controlPort) : undefined;
    // ended after the standby's bind: recorded first, so that a cutover stopped meanwhile ends it when resumed
    if (old) writeGateway(i.dir, { ...readGateway(i.dir)!, dyingPid: r.pid! });
    if (!old || !(await old.unbind({ closeWhenTaken: true }).then(() => true, () => false))) {
      await this.retire(i, cluster);
      return releaseStandby(i.dir, cluster.name);
    }
    // should the standby not bind, the old instance, listening no more, goes as it would have first
    let failed: { error: unknown } | undefined;
    const bound = await releaseStandby(i.dir, cluster.name).catch((error: unknown) => void (failed = { error }));
    if (!bound) {
      await this.retire(i, cluster);
      if (failed) throw failed.error;
      return undefined;
    }
    // it goes by itself now (its memory first: an exit takes 0.3 s on a busy host, which a call to
    // it here would wait out, and the switch with it); ended at the release should it still run
    writeGateway(i.dir, { ...readGateway(i.dir)!, guardProducers: true });
    return bound;
  }

  /** The instance in front of another cluster than `cluster` goes; its record says `cluster` from now. */
  private async retire(i: Instance, cluster: ClusterProfile): Promise<void> {
    const r = i.record();
    // no kafkajs consumer has a Fetch in flight when the instance goes (it would take that broker
    // for gone, and crash with none left); an instance that does not answer is stopped all the same
    if (i.running(r) && r.cluster !== cluster.name && r.controlPort !== undefined) await i.endpoint(r.controlPort).closing().catch(() => {});
    if (i.running(r) && r.cluster !== cluster.name) await stopGateway(i.dir, { force: r.controlPort !== undefined });
    // clients come with producer ids of the cluster they were on: whatever starts next guards against them
    writeGateway(i.dir, { ...readGateway(i.dir)!, cluster: cluster.name, bootstrapServers: cluster.bootstrapServers, ...(r.cluster !== cluster.name || r.guardProducers ? { guardProducers: true } : {}) });
  }

  /** Every instance serves again; one that fails to start fails the call, and calling again retries it. */
  async release(): Promise<{ readyMs: number }> {
    // old instances that handed their addresses over and have not gone by themselves
    for (const i of this.instances()) endDying(i.dir);
    const ready = await Promise.all(this.instances().map((i) => this.releaseOne(i)));
    return { readyMs: Math.max(...ready) };
  }

  private async releaseOne(instance: Instance): Promise<number> {
    let r = instance.record();
    // one that began handing its addresses to its standby (a cutover stopped in its bind, then rolled
    // back) listens no more: ended, and started again below
    if (r.dyingPid !== undefined && r.dyingPid === r.pid && instance.running(r)) {
      await stopGateway(instance.dir, { force: true });
      r = instance.record();
    }
    if (instance.running(r)) {
      // still the same instance (a cutover rolled back before its switch): back to serve, held requests go out
      if (r.controlPort !== undefined) await phaseAll([instance.endpoint(r.controlPort)], 'serve', 10_000);
      return 0;
    }
    const standby = await releaseStandby(instance.dir, r.cluster);
    if (standby) return standby.readyMs;
    const java = await findJava(this.env);
    const lib = await resolveKroxylicious(this.env, this.log);
    delete r.pid;
    delete r.controlPort;
    const started = await startGateway(instance.dir, r, java, lib, this.env);
    writeGateway(instance.dir, { ...r, pid: started.pid, ...(started.controlPort !== undefined ? { controlPort: started.controlPort } : {}), startedAt: new Date().toISOString() });
    return started.readyMs;
  }
}
