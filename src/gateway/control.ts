/**
 * The gateway as the cutover sees it: fence producers, fence consumers, switch the backend,
 * release. A gateway that can refuse produce requests with a retriable error while consumers keep
 * reading (Zilla Plus / Zilla Platform) fences the two apart; a restart-only proxy (Kroxylicious)
 * fences both by stopping and switches by starting again in front of the other cluster. Every
 * action is idempotent, so a resumed cutover can repeat it.
 */
import type { ClusterProfile } from '../config/types.js';
import { findJava } from '../processes/java.js';
import { dropStandby, gatewayRunning, readGateway, releaseStandby, resolveKroxylicious, startGateway, startStandby, stopGateway, writeGateway } from '../processes/kroxylicious.js';
import { NotFoundError } from '../errors.js';

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
  switchTo(cluster: ClusterProfile): Promise<void>;
  /** serve clients again (on the current backend); resolves once the gateway answers */
  release(): Promise<{ readyMs: number }>;
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

  async switchTo(cluster: ClusterProfile): Promise<void> {
    const r = this.record();
    if (gatewayRunning(this.stateDir, r) && r.cluster !== cluster.name) await stopGateway(this.stateDir);
    const next = { ...readGateway(this.stateDir)!, cluster: cluster.name, bootstrapServers: cluster.bootstrapServers };
    writeGateway(this.stateDir, next);
  }

  async release(): Promise<{ readyMs: number }> {
    const r = this.record();
    if (gatewayRunning(this.stateDir, r)) return { readyMs: 0 };
    const standby = await releaseStandby(this.stateDir, r.cluster);
    if (standby) return { readyMs: standby.readyMs };
    const java = await findJava(this.env);
    const lib = await resolveKroxylicious(this.env, this.log);
    delete r.pid;
    const started = await startGateway(this.stateDir, r, java, lib, this.env);
    writeGateway(this.stateDir, { ...r, pid: started.pid, startedAt: new Date().toISOString() });
    return { readyMs: started.readyMs };
  }
}
