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
import { dropStandby, gatewayRunning, readControlToken, readGateway, releaseStandby, resolveKroxylicious, startGateway, startStandby, stopGateway, writeGateway } from '../processes/kroxylicious.js';
import { CheckFailedError, NotFoundError, ZdpError } from '../errors.js';
import { QuiesceEndpoint, type DeliveredOffset, type QuiescePhase } from './quiesce.js';

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
  state(): Promise<{ cluster: string; serving: boolean; address: string }>;
  fenceProducers(): Promise<void>;
  fenceConsumers(): Promise<void>;
  /** optional: get the switch to `cluster` ready while clients are still served (nothing changes for them) */
  prepareSwitch?(cluster: ClusterProfile): Promise<void>;
  /** optional: forget a prepared switch that will not happen */
  cancelSwitch?(): Promise<void>;
  /** `gate`: client ids the new backend's instances serve no records to until they joined their group there */
  switchTo(cluster: ClusterProfile, options?: { gate?: readonly string[] }): Promise<void>;
  /** serve clients again (on the current backend); resolves once the gateway answers */
  release(): Promise<{ readyMs: number }>;
  /** zdp's filter in every instance: undefined when an instance cannot be reached (the cutover then fences by restarting) */
  quiesce?(): Promise<QuiesceControl | undefined>;
}

/** The gateway's instances moved through the quiesce phases together: each call returns once every instance acknowledged. */
export interface QuiesceControl {
  readonly instances: number;
  /** consumers get no records; commits pass */
  drainConsumers(timeoutMs: number): Promise<void>;
  /** what every instance delivered, per client and partition */
  delivered(): Promise<DeliveredOffset[]>;
  /** producers held; resolves once what was already forwarded was answered */
  holdProducers(timeoutMs: number): Promise<void>;
}

/** Moves every endpoint to `phase`; one that does not acknowledge in time puts the others back to serve and fails. */
export async function phaseAll(endpoints: readonly QuiesceEndpoint[], phase: QuiescePhase, timeoutMs: number): Promise<void> {
  const results = await Promise.allSettled(endpoints.map((e) => e.setPhase(phase, timeoutMs)));
  const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [`${endpoints[i]!.url}: ${(r.reason as Error).message}`] : r.value.inForce ? [] : [`${endpoints[i]!.url}: ${phase} not in force after ${timeoutMs} ms (${r.value.inflight.produce} produce, ${r.value.inflight.fetch} fetch requests still unanswered)`]));
  if (failed.length === 0) return;
  await Promise.allSettled(endpoints.map((e) => e.setPhase('serve', 5_000)));
  throw new CheckFailedError('GATEWAY_NOT_QUIESCED', `the gateway's instances did not all acknowledge ${phase}: ${failed.join('; ')}`, {
    hint: 'every instance was put back to serve; check the instances (`zdp gateway status`), then `zdp cutover --resume`',
    retriable: true,
  });
}

/** Kroxylicious run by `zdp gateway up`: fencing stops the proxy; release starts it again. */
export class KroxyliciousControl implements GatewayControl {
  readonly kind = 'kroxylicious';
  readonly capabilities = { separateProduceFence: false, seamlessSwitch: false };

  constructor(
    private readonly stateDir: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly log: (line: string) => void,
  ) {}

  private record() {
    const r = readGateway(this.stateDir);
    if (!r) throw new NotFoundError('GATEWAY_NOT_FOUND', 'no gateway was started for this project', { hint: 'start one with `zdp gateway up --cluster <source> --cover <target>`' });
    return r;
  }

  async state() {
    const r = this.record();
    return { cluster: r.cluster, serving: gatewayRunning(this.stateDir, r), address: r.bootstrapAddress };
  }

  async fenceProducers(): Promise<void> {
    await stopGateway(this.stateDir, { force: true });
  }

  async fenceConsumers(): Promise<void> {
    await stopGateway(this.stateDir, { force: true });
  }

  /** A second proxy, loaded for the target and waiting to bind: the switch then costs a bind, not a JVM start. */
  async prepareSwitch(cluster: ClusterProfile): Promise<void> {
    const java = await findJava(this.env);
    const lib = await resolveKroxylicious(this.env, this.log);
    await startStandby(this.stateDir, cluster.name, cluster.bootstrapServers, java, lib, this.env);
  }

  async cancelSwitch(): Promise<void> {
    await dropStandby(this.stateDir);
  }

  private endpoint(port: number): QuiesceEndpoint {
    return new QuiesceEndpoint(`http://127.0.0.1:${port}`, readControlToken(this.stateDir));
  }

  async quiesce(): Promise<QuiesceControl | undefined> {
    const r = this.record();
    if (r.filter === false || r.controlPort === undefined || !gatewayRunning(this.stateDir, r)) return undefined;
    const endpoint = this.endpoint(r.controlPort);
    try {
      await endpoint.state();
    } catch (e) {
      if (e instanceof ZdpError) {
        this.log(`the gateway's filter does not answer (${e.message}): fencing by restart`);
        return undefined;
      }
      throw e;
    }
    const endpoints = [endpoint];
    return {
      instances: endpoints.length,
      drainConsumers: (timeoutMs) => phaseAll(endpoints, 'drain-consumers', timeoutMs),
      holdProducers: (timeoutMs) => phaseAll(endpoints, 'hold-producers', timeoutMs),
      delivered: async () => (await Promise.all(endpoints.map((e) => e.state()))).flatMap((s) => s.delivered),
    };
  }

  async switchTo(cluster: ClusterProfile, options: { gate?: readonly string[] } = {}): Promise<void> {
    const r = this.record();
    if (r.standby?.cluster === cluster.name && r.standby.controlPort !== undefined && options.gate && options.gate.length > 0) {
      await this.endpoint(r.standby.controlPort).gate(options.gate);
    }
    // held produce requests die with the old instance, unanswered: their clients send them again, to the new backend
    if (gatewayRunning(this.stateDir, r) && r.cluster !== cluster.name) await stopGateway(this.stateDir, { force: r.controlPort !== undefined });
    const next = { ...readGateway(this.stateDir)!, cluster: cluster.name, bootstrapServers: cluster.bootstrapServers };
    writeGateway(this.stateDir, next);
  }

  async release(): Promise<{ readyMs: number }> {
    const r = this.record();
    if (gatewayRunning(this.stateDir, r)) {
      // still the same instance (a cutover rolled back before its switch): back to serve, held requests go out
      if (r.controlPort !== undefined) await phaseAll([this.endpoint(r.controlPort)], 'serve', 10_000);
      return { readyMs: 0 };
    }
    const standby = await releaseStandby(this.stateDir, r.cluster);
    if (standby) return { readyMs: standby.readyMs };
    const java = await findJava(this.env);
    const lib = await resolveKroxylicious(this.env, this.log);
    delete r.pid;
    delete r.controlPort;
    const started = await startGateway(this.stateDir, r, java, lib, this.env);
    writeGateway(this.stateDir, { ...r, pid: started.pid, ...(started.controlPort !== undefined ? { controlPort: started.controlPort } : {}), startedAt: new Date().toISOString() });
    return { readyMs: started.readyMs };
  }
}
