/**
 * A gateway fleet zdp did not start (e.g. Kroxylicious pods on Kubernetes), listed in zdp.yaml's
 * `gateway.instances`: each instance runs zdp's filter and launcher with both clusters' configs
 * (-Dzdp.clusters, -Dzdp.cluster), so everything the cutover does to it goes through its control
 * endpoint: drain, hold, switch in place, serve. zdp starts and stops nothing here.
 */
import type { ClusterProfile, ExternalGateway } from '../config/types.js';
import { readSecret } from '../config/load.js';
import { CheckFailedError } from '../errors.js';
import { phaseAll, quiesceOver, type GatewayControl, type QuiesceControl } from './control.js';
import { QuiesceEndpoint, type QuiesceState } from './quiesce.js';

export interface FleetInstanceState {
  name: string;
  bootstrap: string;
  control: string;
  /** undefined when the instance did not answer */
  state?: QuiesceState;
  error?: string;
}

export class ExternalFleetControl implements GatewayControl {
  readonly kind = 'kroxylicious fleet';
  readonly capabilities = { separateProduceFence: true, seamlessSwitch: false };
  private cached: QuiesceEndpoint[] | undefined;

  constructor(
    private readonly fleet: ExternalGateway,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private endpoints(): QuiesceEndpoint[] {
    // the token is read once, when first needed, and only ever sent as a bearer token
    this.cached ??= (() => {
      const token = readSecret(this.fleet.token, this.env);
      return this.fleet.instances.map((i) => new QuiesceEndpoint(i.control, token));
    })();
    return this.cached;
  }

  /** Every instance's answer, or why it gave none. */
  async instances(): Promise<FleetInstanceState[]> {
    const answers = await Promise.allSettled(this.endpoints().map((e) => e.state()));
    return this.fleet.instances.map((i, n) => {
      const a = answers[n]!;
      return { name: i.name, bootstrap: i.bootstrap, control: i.control, ...(a.status === 'fulfilled' ? { state: a.value } : { error: (a.reason as Error).message }) };
    });
  }

  async state() {
    const all = await this.instances();
    const answering = all.filter((i) => i.state);
    const clusters = [...new Set(answering.map((i) => i.state!.cluster ?? '?'))];
    // instances that disagree are named, so no comparison with a cluster name passes; silent ones make it not serving
    const cluster = clusters.length === 1 ? clusters[0]! : clusters.length === 0 ? '?' : answering.map((i) => `${i.name}: ${i.state!.cluster ?? '?'}`).join(', ');
    const silent = all.filter((i) => !i.state);
    const unbound = all.filter((i) => i.state?.bound === false);
    const problems = [
      ...(silent.length > 0 ? [`instance${silent.length === 1 ? '' : 's'} ${silent.map((i) => `${i.name} (${i.control}): ${i.error ?? 'no answer'}`).join('; ')} of gateway.instances in zdp.yaml did not answer`] : []),
      ...(unbound.length > 0 ? [`instance${unbound.length === 1 ? '' : 's'} ${unbound.map((i) => i.name).join(', ')} serve${unbound.length === 1 ? 's' : ''} no clients: a switch closed the old proxy and could not bind the new one (its log says why)`] : []),
    ];
    return {
      cluster,
      serving: problems.length === 0,
      address: this.fleet.instances.map((i) => i.bootstrap).join(','),
      ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
    };
  }

  async fenceProducers(): Promise<void> {
    await phaseAll(this.endpoints(), 'hold-producers', 10_000);
  }

  async fenceConsumers(): Promise<void> {
    await this.fenceProducers();
  }

  /** Nothing to load ahead; checks, before anything changes for clients, that every instance can front `cluster`. */
  async prepareSwitch(cluster: ClusterProfile): Promise<void> {
    const all = await this.instances();
    const cannot = all.filter((i) => i.state && i.state.cluster !== cluster.name && !(i.state.switchable ?? []).includes(cluster.name));
    if (cannot.length === 0) return;
    throw new CheckFailedError('GATEWAY_CANNOT_SWITCH', `gateway instance${cannot.length === 1 ? '' : 's'} ${cannot.map((i) => `${i.name} (${i.control}, knows ${(i.state!.switchable ?? []).join(', ') || 'one cluster only'})`).join(', ')} cannot front ${cluster.name}`, {
      hint: `start every instance with -Dzdp.clusters naming ${cluster.name} with the zdp profile name (README: a gateway fleet zdp did not start); nothing changed for clients`,
    });
  }

  async quiesce(): Promise<QuiesceControl> {
    const all = await this.instances();
    const silent = all.filter((i) => !i.state);
    if (silent.length > 0) {
      throw new CheckFailedError('GATEWAY_INSTANCE_SILENT', `the gateway's filter does not answer on ${silent.map((i) => `instance ${i.name} (${i.control}): ${i.error ?? ''}`).join('; ')}`, { hint: 'every instance of gateway.instances in zdp.yaml must run zdp\'s filter and be reachable; `zdp gateway status` lists them', retriable: true });
    }
    return quiesceOver(this.endpoints());
  }

  /** Every instance switches in place; one that fails fails the call, and calling again retries (an instance already there answers at once). */
  async switchTo(cluster: ClusterProfile, options: { gate?: readonly string[] } = {}): Promise<void> {
    const endpoints = this.endpoints();
    const results = await Promise.allSettled(endpoints.map((e) => e.switchTo(cluster.name, options.gate ?? [])));
    const failed = results.flatMap((r, n) => (r.status === 'rejected' ? [`${this.fleet.instances[n]!.name}: ${(r.reason as Error).message}`] : []));
    if (failed.length > 0) {
      throw new CheckFailedError('GATEWAY_NOT_SWITCHED', `not every gateway instance switched to ${cluster.name}: ${failed.join('; ')}`, { hint: 'the instances that switched hold clients until release; fix the others, then `zdp cutover --resume`', retriable: true });
    }
  }

  async release(): Promise<{ readyMs: number }> {
    const started = performance.now();
    await phaseAll(this.endpoints(), 'serve', 10_000);
    return { readyMs: performance.now() - started };
  }
}
