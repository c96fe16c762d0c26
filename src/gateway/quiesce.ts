/**
 * The control endpoint of zdp's quiesce filter in a Kroxylicious instance (java/ZdpKroxylicious.java):
 * set a phase and wait until it is in force, read what the instance delivered, gate the consumers
 * that must rejoin before they fetch. One endpoint per proxy instance; the token comes from a secret
 * reference and is sent as a bearer token, never logged.
 */
import { AuthError, ConnectionError, EnvironmentError } from '../errors.js';
import type { Delivered } from '../core/cutover/drain.js';
import type { CommitTimer } from '../core/cutover/drain-end.js';

export type QuiescePhase = 'serve' | 'drain-consumers' | 'hold-producers';

/** GET /v1/drain-plan: when a drain begun now would end, and the timer clients it was chosen from ([first commit, interval]); each undefined from a filter that does not give it */
export interface DrainPlanAnswer {
  endsAt?: number;
  timers?: CommitTimer[];
}

/**
 * How a drain begun by POST /v1/phase ends: no earlier than `notBefore`, or exactly at `endsAt`
 * (epoch ms; a filter before 2026-12-05 takes the latter as nothing); with `othersWhenTold` the
 * consumers that commit after each batch (kafkajs) are cut off 0.25 s before the end without a lead
 * for processing what they were given, or sooner when told (cutOthers), and the drain is in force at
 * once (a filter before 2026-12-06 takes it as nothing: in force at its end).
 */
export interface DrainAsk {
  notBefore?: number;
  endsAt?: number;
  othersWhenTold?: boolean;
}

/** What an instance delivered, per connection and partition (the shape the drain compares, src/core/cutover/drain.ts). */
export type DeliveredOffset = Delivered;

export interface QuiesceState {
  phase: QuiescePhase;
  inForce: boolean;
  inflight: { produce: number; fetch: number };
  held: number;
  /** held requests not sent at serve because their connection had closed in the hold (a filter before 2026-12-07: absent) */
  heldDropped?: number;
  /** how often a hold closed the connections with producer requests held 5 s (their clients send again, and are held): none is held past a client's request timeout */
  holdBounces?: number;
  /** producers held with group requests (JoinGroup, SyncGroup, OffsetFetch, OffsetCommit, ConsumerGroupHeartbeat): an instance bound early; how many of those are held (a filter before 2026-12-06: neither) */
  holdGroups?: boolean;
  heldGroupRequests?: number;
  /** Produce requests refused whole after a switch because one of their partitions is led elsewhere */
  misdirectedProduces?: number;
  /** Produce requests refused because a batch of theirs came after a refused batch of its producer and partition (it would be written first, and the refused one never) */
  producesOutOfTurn?: number;
  /** Produce requests of a producer without idempotence refused because another request of the same send was being refused (a send refused in part is sent again whole: what went through would be written twice) */
  producesRefusedWithTheirSend?: number;
  /** Produce requests refused on a connection accepted before the proxy knew the brokers (Kroxylicious would take the request, unanswered, and close the connection); the connection closes after the answer */
  producesRefusedOnRestrictedConnections?: number;
  /** Fetch and FindCoordinator requests answered by the filter on such a connection, which then closes (Kroxylicious would close it under them: a kafkajs consumer drops a broker whose Fetch was in flight, and gives up a coordinator lookup every broker failed) */
  restrictedAnswered?: number;
  /** Produce requests forwarded during a hold as the rest of a send begun before it (the proxy's log gives each one's lag) */
  siblingsForwarded?: number;
  /** in a drain: when the first consumer was cut off (epoch ms); consumers that commit on a timer are cut off just before their next commit */
  drainFrom?: number;
  /** in a drain: the commit it ends at (epoch ms); the consumers that commit after each batch are cut off 0.25 s before it (less the time they take to process a fetch, unless DrainAsk.othersWhenTold; with it, sooner when told) */
  drainEndsAt?: number;
  /** in a drain whose others are cut off when told: how many consumers that commit on a timer have not committed since their cut-off */
  drainTimersWaiting?: number;
  /** in a drain whose others are cut off when told: the client ids of the consumers that commit on a timer cut off by now */
  drainTimersCut?: string[];
  /** in a drain whose others are cut off when told: whether they are (told, or 0.25 s before its end) */
  drainOthersCut?: boolean;
  drainedFetches: number;
  /** gated consumers' first fetches answered so that they rejoin without waiting for their next heartbeat: REBALANCE_IN_PROGRESS for a client that names no software and fetches without a session (kafkajs), once per connection; NOT_LEADER_OR_FOLLOWER for others, once per connection to the lowest broker */
  rejoinNudges?: number;
  /** gated LeaveGroups answered UNKNOWN_MEMBER_ID by the filter: every member they named was the other cluster's (a crashed kafkajs consumer would wait for its old coordinator's node id) */
  leavesAnswered?: number;
  /** gated JoinGroups sent on without the member id the other cluster gave (the client gets a new one at once) */
  memberResets?: number;
  /** a transaction's AddPartitionsToTxn or AddOffsetsToTxn answered CONCURRENT_TRANSACTIONS and asked again by the filter (every 20 ms, at most 5 s, not while producers are held) before its client was answered */
  transactionAddsAskedAgain?: number;
  /** Java consumers' heartbeats answered COORDINATOR_LOAD_IN_PROGRESS in a drain, on connections from before it: the client heartbeats again after its retry backoff (at most 1 s), and so learns soon after a switch that it must rejoin */
  heartbeatsAnsweredBusy?: number;
  /** Fetches of clients that name no software (kafkajs) answered KAFKA_STORAGE_ERROR at once because the instance stops next (POST /v1/closing): none is in flight when it goes, so kafkajs keeps its brokers */
  fetchesAnsweredClosing?: number;
  /** transactions open when a hold began that it let end before it was in force (their producers go on at the other cluster after a switch, see transactionsEnded) */
  transactionsFinishedInHold?: number;
  /** transactional producers of the old cluster that began a transaction here under an id of this cluster, given at the switch (transactionsEnded) */
  transactionsCarriedOver?: number;
  /** while producers are held (in force): the transactional producers whose transactions all ended here, as their clients name them (the id as a string: above 2^53); a switch gives them to the standby, where their next transaction begins under an id of its cluster */
  transactionsEnded?: EndedTransaction[];
  /** set by POST /v1/closing until serve */
  closing?: boolean;
  /** [group, client id, members] of the group members whose consumers spoke through this instance lately (a heartbeat, commit or SyncGroup in the last 30 s); a filter before 2026-12-06: none */
  members?: [string, string, number][];
  gated: string[];
  delivered: DeliveredOffset[];
  /** from a drain's start: the offsets commits through this instance set, once answered without error (a filter before this field: none) */
  committed?: { group: string; topic: string; partition: number; offset: number }[];
  /** a switchable instance (a fleet deployed without zdp): the cluster it fronts, and those it can front */
  cluster?: string;
  switchable?: string[];
  /** false while a switch closed the old proxy and has not bound the new one (it failed: switch again) */
  bound?: boolean;
}

/** A transactional producer whose transactions all ended at an instance while producers were held. */
export interface EndedTransaction {
  transactionalId: string;
  producerId: string;
  producerEpoch: number;
  timeoutMs: number;
}

/** A drain plan's end in an answer of the filter (epoch ms), undefined when it gave none. */
function endsAt(answer: unknown): number | undefined {
  const end = (answer as { endsAt?: unknown }).endsAt;
  return typeof end === 'number' ? end : undefined;
}

export class QuiesceEndpoint {
  constructor(
    /** e.g. http://127.0.0.1:40123 */
    readonly url: string,
    private readonly token: string,
  ) {}

  state(timeoutMs = 5_000): Promise<QuiesceState> {
    return this.call('GET', '/v1/state', undefined, timeoutMs);
  }

  /**
   * Sets the phase; resolves once the instance says it is in force, else fails after timeoutMs. A
   * drain ends as `drain` asks; a hold with `holdGroups` holds the group requests too, until serve
   * (an instance bound early, before the offsets are written on its cluster).
   */
  async setPhase(phase: QuiescePhase, timeoutMs = 30_000, drain: DrainAsk = {}, hold: { holdGroups?: boolean } = {}): Promise<QuiesceState> {
    const { notBefore, endsAt, othersWhenTold } = drain;
    return this.call('POST', '/v1/phase', { phase, timeoutMs, ...(notBefore === undefined ? {} : { drainNotBefore: notBefore }), ...(endsAt === undefined ? {} : { drainEndsAt: endsAt }), ...(othersWhenTold ? { drainOthersWhenTold: true } : {}), ...(hold.holdGroups ? { holdGroups: true } : {}) }, timeoutMs + 5_000);
  }

  /** In a drain begun with othersWhenTold: its consumers that commit after each batch get no records from now (in any other phase, nothing changes). Answers whether they are. */
  async cutOthers(timeoutMs = 3_000): Promise<boolean> {
    return (await this.call('POST', '/v1/drain-cut', {}, timeoutMs)).drainOthersCut === true;
  }

  /** When a drain begun now would end here (epoch ms): at the next commits of the consumers that commit on a timer; undefined from a filter that does not plan drains. */
  async drainPlan(timeoutMs = 5_000): Promise<number | undefined> {
    return (await this.planDrain(timeoutMs)).endsAt;
  }

  /** drainPlan, with the timer clients it was chosen from ([first commit, interval]; undefined from a filter that does not give them) */
  async planDrain(timeoutMs = 5_000): Promise<DrainPlanAnswer> {
    let answer: unknown;
    try {
      answer = await this.call('GET', '/v1/drain-plan', undefined, timeoutMs);
    } catch (e) {
      if (e instanceof EnvironmentError && e.code === 'GATEWAY_CONTROL_FAILED') return {};
      throw e;
    }
    const timers = (answer as { timers?: unknown }).timers;
    const valid = Array.isArray(timers) && timers.every((t) => Array.isArray(t) && t.length === 2 && t.every((n) => typeof n === 'number'));
    return { endsAt: endsAt(answer), ...(valid ? { timers: timers as CommitTimer[] } : {}) };
  }

  /**
   * A drain planned here ends no earlier than `notBefore` (a fleet's end), if its consumers that commit
   * after each batch are not cut off yet: the end it has now, undefined when it drains nothing.
   */
  async alignDrain(notBefore: number, timeoutMs = 5_000): Promise<number | undefined> {
    return endsAt(await this.call('POST', '/v1/drain-plan', { notBefore }, timeoutMs));
  }

  /**
   * The instance stops listening and keeps its connections, so that its standby can bind the same
   * addresses before any of them closes; with `closeWhenTaken` it then closes (see closing) and
   * exits by itself the moment something listens on its bootstrap port again (its standby,
   * released next), or stays as it is if nothing does within `waitMs`. Answers the ports it closed;
   * rejects when the instance cannot (a filter from before 2026-12-08 answers 404, a Kroxylicious
   * laid out otherwise 501, a switchable instance 409): the caller then stops it first, as before.
   */
  async unbind(options: { closeWhenTaken?: boolean; waitMs?: number } = {}, timeoutMs = 5_000): Promise<number[]> {
    const answer = (await this.call('POST', '/v1/unbind', { closeWhenTaken: options.closeWhenTaken === true, waitMs: options.waitMs ?? 30_000 }, timeoutMs)) as unknown as { ports?: unknown };
    return Array.isArray(answer.ports) ? answer.ports.filter((p): p is number => typeof p === 'number') : [];
  }

  /**
   * The instance stops next: every Fetch of a client that names no software (kafkajs) is answered at
   * once, KAFKA_STORAGE_ERROR, so that none is in flight when it goes (kafkajs takes a broker whose
   * Fetch was in flight at a close for gone, and crashes with none left). Resolves once the answers
   * are out. A filter from before 2026-12-06 answers 404 (nothing to answer): the caller stops the
   * instance whatever the answer.
   */
  async closing(timeoutMs = 3_000): Promise<void> {
    await this.call('POST', '/v1/closing', {}, timeoutMs);
  }

  /**
   * Fetches of these clients get no records until they joined their group through this instance (a
   * client id named n times: n members; at most timeoutMs). `transactions`: the producers whose
   * transactions had all ended at the old instance (its transactionsEnded), whose next transaction
   * begins here.
   */
  gate(clients: readonly string[], timeoutMs = 30_000, transactions: readonly EndedTransaction[] = []): Promise<QuiesceState> {
    return this.call('POST', '/v1/gate', { clients: [...clients], timeoutMs, ...(transactions.length > 0 ? { transactions: [...transactions] } : {}) }, 10_000);
  }

  /**
   * A switchable instance loads the proxy for `cluster`, closes the current one and binds the new
   * one on the same addresses; the named consumers get no records until they rejoined there.
   * Resolves once it serves (in the phase it was in) in front of `cluster`.
   */
  async switchTo(cluster: string, gate: readonly string[], timeoutMs = 60_000): Promise<QuiesceState> {
    const state = await this.call('POST', '/v1/switch', { cluster, gate: [...gate], gateMs: 30_000, timeoutMs }, timeoutMs + 5_000);
    if (state.cluster !== cluster) throw new EnvironmentError('GATEWAY_NOT_SWITCHED', `the gateway instance ${this.url} did not switch to ${cluster} within ${Math.round(timeoutMs / 1000)}s (it fronts ${state.cluster ?? 'an unknown cluster'})`, { hint: 'its log says why; then `zdp cutover --resume`', retriable: true });
    return state;
  }

  private async call(method: string, path: string, body: unknown, timeoutMs: number): Promise<QuiesceState> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const cause = ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message;
      // Node's fetch refuses the ports browsers block (6000, 10080, …) before connecting
      if (cause === 'bad port') throw new ConnectionError('GATEWAY_CONTROL_UNREACHABLE', `zdp cannot call the gateway's control endpoint ${this.url}: its port is one that Node's fetch refuses (the ports browsers block)`, { hint: 'give the control endpoint another port, e.g. 9190' });
      throw new ConnectionError('GATEWAY_CONTROL_UNREACHABLE', `the gateway's control endpoint ${this.url} did not answer (${(e as Error).name === 'TimeoutError' ? `no answer in ${Math.round(timeoutMs / 1000)}s` : ((e as Error).cause as Error | undefined)?.message ?? (e as Error).message})`, {
        hint: 'is the proxy instance running, with zdp\'s filter loaded? `zdp gateway status` lists the instances',
        retriable: true,
      });
    }
    const text = await res.text();
    if (res.status === 401) throw new AuthError('GATEWAY_CONTROL_AUTH', `the gateway's control endpoint ${this.url} refused zdp's token`, { hint: 'that instance was started with another token than the one in its .zdp/gateway/control.token: restart the gateway (`zdp gateway down`, then `zdp gateway up`) so both agree' });
    let parsed: QuiesceState & { error?: string };
    try {
      parsed = JSON.parse(text) as QuiesceState & { error?: string };
    } catch {
      throw new EnvironmentError('GATEWAY_CONTROL_BAD_ANSWER', `the gateway's control endpoint ${this.url} answered ${res.status} with something that is not zdp's filter`, { hint: 'is this the control port of a Kroxylicious instance with zdp\'s filter?' });
    }
    if (res.status === 503) return parsed; // set, but not in force in time: the caller decides
    if (res.status === 409) throw new EnvironmentError('GATEWAY_CANNOT_SWITCH', `the gateway instance ${this.url} cannot switch: ${parsed.error ?? 'refused'}`, { hint: 'start every instance with -Dzdp.clusters naming both clusters (README: a gateway fleet zdp did not start)' });
    if (!res.ok) throw new EnvironmentError('GATEWAY_CONTROL_FAILED', `the gateway's control endpoint ${this.url} answered ${res.status}: ${parsed.error ?? 'error'}`, { retriable: res.status >= 500 });
    return parsed;
  }
}
