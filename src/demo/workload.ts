/**
 * Client applications for the demo, the cutover tests and the cutover benchmark: producers and
 * consumer groups that only know the gateway's bootstrap address, and an independent checker.
 * Producers number their records per topic (sequence in a header and in the value) and pick the
 * partition themselves, so the acknowledged order per partition is known; a transactional producer
 * commits most transactions and aborts some. Consumers commit after every record and count a record
 * as processed once the commit of its batch succeeded, so a record processed twice is a real duplicate.
 */
import { Kafka, logLevel, type Consumer, type Producer } from 'kafkajs';

export interface WorkloadTopic {
  topic: string;
  partitions: number;
  /** records per second for this topic */
  rate: number;
  transactional?: boolean;
  /** a producer at kafkajs's defaults (no idempotence, its retries and timeouts); otherwise idempotent with quick retries */
  plain?: boolean;
  /** keys repeat (a compacted topic) */
  keySpace?: number;
}

export interface WorkloadOptions {
  bootstrap: string;
  topics: WorkloadTopic[];
  groups: { group: string; topics: string[] }[];
  clientId?: string;
  /** the first sequence number of every topic (default 0): a second workload on the same topics numbers its records apart */
  firstSeq?: number;
  /**
   * consumers as most kafkajs applications write them: \`eachMessage\` with kafkajs's defaults
   * (auto-commit after each batch, no \`isStale()\` check, default session and fetch settings); a
   * record read again is a duplicate whether or not its commit had gone out
   */
  defaultConsumers?: boolean;
  /**
   * idempotent and transactional producers as kafkajs makes them by default, with only what
   * idempotence and transactions require (one request in flight, a transactional id): kafkajs's own
   * retries (from 300 ms, doubling up to 30 s, without end for an idempotent producer), request
   * timeout (30 s) and transaction timeout (60 s). Without it they retry every 100-500 ms for about
   * 15 s, with a 10 s request and transaction timeout, which keeps a long test's sends from failing
   * (a failed send is sent again by a new producer session, and can be written twice)
   */
  defaultProducers?: boolean;
  /** value payload builder (default: a small JSON order) */
  value?: (topic: string, seq: number) => Buffer;
  /** the kafkajs clients' own log (debug level, each line tagged with its group or producer), for looking at a pause: a benchmark's --client-log */
  clientLog?: (line: string) => void;
}

export interface Acked {
  topic: string;
  partition: number;
  seq: number;
  /** send time and ack time (ms since epoch) */
  sentAt: number;
  ackedAt: number;
}

export interface Processed {
  group: string;
  topic: string;
  partition: number;
  seq: number;
  at: number;
  /** false when the commit after processing failed (or its answer was lost): a re-read is expected */
  committed: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** how many progress times Workload keeps per producer: an hour at the demo's 10 sends a second */
const ACK_TIMES_KEPT = 36_000;

/** The longest gap between consecutive `times` (ascending, epoch ms) that overlaps [from, to]; undefined when none ends after `from` and begins before `to`. */
export function longestGapAcross(times: readonly number[], from: number, to: number): number | undefined {
  let longest: number | undefined;
  for (let i = 1; i < times.length; i++) {
    const [a, b] = [times[i - 1]!, times[i]!];
    if (b > from && a < to && (longest === undefined || b - a > longest)) longest = b - a;
  }
  return longest;
}

/**
 * The producers' retry backoff: 100 ms doubling to at most 500 ms, retried for about 15 s before a
 * send fails. Close to what a Java client does by default (reconnect.backoff.ms 50 up to 1 s,
 * retry.backoff.ms 100, retries until delivery.timeout.ms), where kafkajs's defaults (300 ms up to
 * 30 s, 5 retries) would add seconds of the client's own waiting to any gateway pause.
 */
const PRODUCER_RETRY = { retries: 30, initialRetryTime: 100, maxRetryTime: 500 };

function order(topic: string, seq: number): Buffer {
  return Buffer.from(JSON.stringify({ orderId: `${topic}-${seq}`, seq, amount: Math.round((seq * 7919) % 100_000) / 100, currency: seq % 3 === 0 ? 'EUR' : 'USD', createdAt: new Date(1_790_000_000_000 + seq * 1000).toISOString() }));
}

export class Workload {
  readonly acked: Acked[] = [];
  readonly aborted: { topic: string; seq: number }[] = [];
  /** records of transactions whose commit was sent but never answered: committed or not, the client cannot tell */
  readonly uncertain: { topic: string; seq: number }[] = [];
  readonly processed: Processed[] = [];
  readonly errors: string[] = [];
  readonly events: { at: number; group: string; event: string; detail: string }[] = [];
  /** producers run while this is set; consumers (and their restarts) while `consuming` is */
  private producing = false;
  private consuming = false;
  private watchdog: NodeJS.Timeout | undefined;
  private loops: Promise<void>[] = [];
  private kafka: Kafka;
  /** longest time a producer went without an acknowledgement (ms), failed attempts included: the pause producers saw */
  maxAckGapMs = 0;
  /** the same for each topic's producer (each topic has one: plain, idempotent or transactional) */
  readonly maxAckGapMsByTopic = new Map<string, number>();
  /** producer gaps over a second, for looking at where a pause came from: topic, last ack before, the ack that ended it (epoch ms) */
  readonly longAckGaps: { topic: string; from: number; to: number }[] = [];
  /** when each topic's producer made progress (a send acknowledged, a transaction committed or aborted), epoch ms: its last ACK_TIMES_KEPT */
  private ackTimes = new Map<string, number[]>();
  /** longest time a group processed nothing while records were waiting (ms) */
  maxConsumeGapMs = 0;
  /** when each group last processed a record */
  private lastProcessed = new Map<string, number>();
  /** each group's current consumer */
  private consumerOf = new Map<string, Consumer>();
  /** consumers this application stopped: kept stopped (see retire) */
  private retired = new WeakSet<Consumer>();
  /** groups whose consumer is being replaced, and when each was last replaced */
  private replacing = new Set<string>();
  private replacedAt = new Map<string, number>();
  private startedAt = Date.now();
  /** consumers the liveness probe replaced */
  restarts = 0;
  private lastAckAt = 0;
  private seqs = new Map<string, number>();

  constructor(private readonly options: WorkloadOptions) {
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'zdp-demo-app',
      brokers: [options.bootstrap],
      ...this.logging('producers'),
      retry: { initialRetryTime: 200, maxRetryTime: 2_000, retries: 1_000 },
      connectionTimeout: 3_000,
      requestTimeout: 10_000,
    });
  }

  /** a kafkajs client at kafkajs's defaults (retries, timeouts), with the client id the workload's tuned producers have */
  private kafkaAtDefaults(tag: string): Kafka {
    return new Kafka({ clientId: this.options.clientId ?? 'zdp-demo-app', brokers: [this.options.bootstrap], ...this.logging(tag) });
  }

  /** kafkajs's log options for one client: nothing, or everything to clientLog tagged with `tag` */
  private logging(tag: string): { logLevel: logLevel; logCreator?: () => (entry: { namespace: string; label: string; log: Record<string, unknown> }) => void } {
    const sink = this.options.clientLog;
    if (!sink) return { logLevel: logLevel.NOTHING };
    // a consumer's every Fetch and Heartbeat in full would be most of it: their lines without the
    // records and the per-partition detail (when a fetch went and came back, and its size, is what a pause shows)
    const routine = /^(Request|Response) (Fetch|Heartbeat)/;
    return {
      logLevel: logLevel.DEBUG,
      logCreator: () => ({ namespace, label, log }) => {
        const brief = label === 'DEBUG' && routine.test(String(log.message));
        sink(`${new Date().toISOString()} ${tag} ${label} [${namespace}] ${String(log.message)} ${JSON.stringify({ ...log, message: undefined, timestamp: undefined, logger: undefined, ...(brief ? { data: undefined, payload: undefined } : {}) })}`);
      },
    };
  }

  async start(): Promise<void> {
    this.producing = true;
    this.consuming = true;
    for (const g of this.options.groups) await this.startConsumer(g.group, g.topics);
    for (const t of this.options.topics) this.loops.push(t.transactional ? this.transactionalLoop(t) : this.producerLoop(t));
    this.watchdog = setInterval(() => this.checkLiveness(), 5_000);
    this.watchdog.unref();
  }

  /**
   * A liveness probe, as applications on kafkajs run one: a kafkajs consumer can stop fetching for
   * good after its connections drop (tulios/kafkajs#659) — seen here once in a few dozen gateway
   * restarts, a group that never joined again. A group with acknowledged records waiting that
   * processed nothing for `stallMs` gets a new consumer, which resumes at the group's committed
   * offsets (records it had processed without committing are read again, and marked as such).
   */
  private checkLiveness(stallMs = 20_000): void {
    if (!this.consuming) return;
    const now = Date.now();
    // the gateway serves clients now: a producer was acknowledged, or another group progressed, lately
    const alive = (since: number, group: string) => this.lastAckAt > since + 2_000 || [...this.lastProcessed].some(([g, t]) => g !== group && t > since + 2_000);
    for (const g of this.options.groups) {
      const since = Math.max(this.lastProcessed.get(g.group) ?? this.startedAt, this.replacedAt.get(g.group) ?? 0);
      if (now - since < stallMs || this.replacing.has(g.group) || !alive(since, g.group) || this.pendingFor(g.group, g.topics) === 0) continue;
      this.events.push({ at: now, group: g.group, event: 'restart', detail: `no progress for ${Math.round((now - since) / 1000)}s with records waiting` });
      this.restarts++;
      this.replaceConsumer(g.group, g.topics);
    }
  }

  /** Retires the group's consumer (a disconnect that hangs is given up on) and starts another, tried until it connects or consuming stops. */
  private replaceConsumer(group: string, topics: string[]): void {
    if (this.replacing.has(group)) return;
    this.replacing.add(group);
    const old = this.consumerOf.get(group);
    this.consumerOf.delete(group);
    const retire = (c: Consumer | undefined) => (c ? Promise.race([this.retire(c), sleep(5_000)]) : Promise.resolve());
    void (async () => {
      await retire(old);
      await sleep(300);
      while (this.consuming) {
        try {
          await this.startConsumer(group, topics);
          break;
        } catch (error) {
          this.errors.push(`${group}: restart failed: ${(error as Error).message}`);
          await retire(this.consumerOf.get(group));
          this.consumerOf.delete(group);
          await sleep(1_000);
        }
      }
    })().finally(() => {
      this.replacedAt.set(group, Date.now());
      this.replacing.delete(group);
    });
  }

  /**
   * Stops a consumer for good. kafkajs's disconnect() does not always: when it comes while the
   * consumer is restarting after a crash (the restart is scheduled just after the CRASH event) or
   * while a join is under way (stop() sees a runner not yet running and returns), the consumer comes
   * back, heartbeats, and keeps its share of the group's partitions with nobody processing them for
   * the application — seen as a group whose odd partitions were never consumed after the workload
   * that owned them had been stopped. A retired consumer that joins or crashes again is stopped again.
   */
  private retire(consumer: Consumer): Promise<void> {
    this.retired.add(consumer);
    return consumer.disconnect().catch(() => {});
  }

  /** Stops again a retired consumer that kafkajs brought back: after the join, or after the restart it schedules on a crash. */
  private keepRetired(consumer: Consumer, group: string, why: string): void {
    if (!this.retired.has(consumer)) return;
    this.events.push({ at: Date.now(), group, event: 'stop-again', detail: why });
    setTimeout(() => void consumer.disconnect().catch(() => {}), 0);
  }

  private nextSeq(topic: string): number {
    const n = this.seqs.get(topic) ?? this.options.firstSeq ?? 0;
    this.seqs.set(topic, n + 1);
    return n;
  }

  private message(t: WorkloadTopic, seq: number) {
    return {
      partition: seq % t.partitions,
      key: t.keySpace ? `key-${seq % t.keySpace}` : `${t.topic}-${seq}`,
      value: (this.options.value ?? order)(t.topic, seq),
      headers: { seq: String(seq), source: 'zdp-demo' },
    };
  }

  /** The pause an application sees: from its previous acknowledgement (or this send) to this one, failed attempts included. */
  private noteAck(topic: string, sentAt: number, ackedAt: number, lastAckAt: number | undefined): void {
    this.lastAckAt = Math.max(this.lastAckAt, ackedAt);
    const gap = Math.max(ackedAt - sentAt, lastAckAt === undefined ? 0 : ackedAt - lastAckAt);
    this.maxAckGapMs = Math.max(this.maxAckGapMs, gap);
    this.maxAckGapMsByTopic.set(topic, Math.max(this.maxAckGapMsByTopic.get(topic) ?? 0, gap));
    if (lastAckAt !== undefined && ackedAt - lastAckAt > 1_000) this.longAckGaps.push({ topic, from: lastAckAt, to: ackedAt });
    const times = this.ackTimes.get(topic) ?? this.ackTimes.set(topic, []).get(topic)!;
    times.push(ackedAt);
    if (times.length > ACK_TIMES_KEPT * 1.25) times.splice(0, times.length - ACK_TIMES_KEPT);
  }

  /**
   * The longest time the topic's producer went without progress that overlaps [from, to] (epoch
   * ms): the pause a cutover whose hold spans that window gave it, not the producer's own slow
   * sends elsewhere in the minute a cutover command takes. Undefined without progress after `to`.
   */
  longestAckGapAcross(topic: string, from: number, to: number): number | undefined {
    return longestGapAcross(this.ackTimes.get(topic) ?? [], from, to);
  }

  private async producerLoop(t: WorkloadTopic): Promise<void> {
    const batch = Math.max(1, Math.round(t.rate / 10));
    let producer: Producer | undefined;
    let pending: number[] = [];
    let lastAckAt: number | undefined;
    while (this.producing) {
      const started = Date.now();
      if (pending.length === 0) pending = Array.from({ length: batch }, () => this.nextSeq(t.topic));
      try {
        if (!producer) {
          // plain: a producer as kafkajs makes one by default (no idempotence, its own retries and 30 s request timeout)
          producer = t.plain
            ? new Kafka({ brokers: [this.options.bootstrap], ...this.logging(`producer:${t.topic}`) }).producer({ allowAutoTopicCreation: false })
            : this.options.defaultProducers
              ? this.kafkaAtDefaults(`producer:${t.topic}`).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
              : this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: PRODUCER_RETRY });
          await producer.connect();
        }
        const sentAt = Date.now();
        await producer.send({ topic: t.topic, acks: -1, messages: pending.map((seq) => this.message(t, seq)) });
        const ackedAt = Date.now();
        this.noteAck(t.topic, sentAt, ackedAt, lastAckAt);
        lastAckAt = ackedAt;
        for (const seq of pending) this.acked.push({ topic: t.topic, partition: seq % t.partitions, seq, sentAt, ackedAt });
        pending = [];
      } catch (error) {
        // the gateway went away: a new producer session once it is back; the same records again
        this.errors.push(`${t.topic}: ${(error as Error).message}`);
        await producer?.disconnect().catch(() => {});
        producer = undefined;
        await sleep(200);
        continue;
      }
      await sleep(Math.max(0, 100 - (Date.now() - started)));
    }
    await producer?.disconnect().catch(() => {});
  }

  private async transactionalLoop(t: WorkloadTopic): Promise<void> {
    const batch = Math.max(1, Math.round(t.rate / 10));
    let producer: Producer | undefined;
    let n = 0;
    let pending: number[] = [];
    let lastAckAt: number | undefined;
    while (this.producing) {
      const started = Date.now();
      if (pending.length === 0) pending = Array.from({ length: batch }, () => this.nextSeq(t.topic));
      const abort = ++n % 5 === 0;
      let committing = false;
      try {
        if (!producer) {
          const transactionalId = `${this.options.clientId ?? 'zdp-demo-app'}-${t.topic}-tx`;
          producer = this.options.defaultProducers
            ? this.kafkaAtDefaults(`producer:${t.topic}`).producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false })
            : this.kafka.producer({ transactionalId, idempotent: true, maxInFlightRequests: 1, transactionTimeout: 10_000, allowAutoTopicCreation: false, retry: PRODUCER_RETRY });
          await producer.connect();
        }
        const sentAt = Date.now();
        const tx = await producer.transaction();
        try {
          await tx.send({ topic: t.topic, acks: -1, messages: pending.map((seq) => this.message(t, seq)) });
          committing = !abort;
          if (abort) await tx.abort();
          else await tx.commit();
        } catch (error) {
          await tx.abort().catch(() => {});
          throw error;
        }
        const ackedAt = Date.now();
        this.noteAck(t.topic, sentAt, ackedAt, lastAckAt);
        lastAckAt = ackedAt;
        for (const seq of pending) {
          if (abort) this.aborted.push({ topic: t.topic, seq });
          else this.acked.push({ topic: t.topic, partition: seq % t.partitions, seq, sentAt, ackedAt });
        }
        pending = [];
      } catch (error) {
        // an unfinished transaction is never committed: its records are given new numbers. A commit
        // whose answer was lost (the gateway stopped while the coordinator took it) may have
        // committed: its records are neither acknowledged nor aborted, but uncertain
        this.errors.push(`${t.topic} (tx): ${(error as Error).message}`);
        for (const seq of pending) (committing ? this.uncertain : this.aborted).push({ topic: t.topic, seq });
        pending = [];
        await producer?.disconnect().catch(() => {});
        producer = undefined;
        await sleep(200);
        continue;
      }
      await sleep(Math.max(0, 100 - (Date.now() - started)));
    }
    await producer?.disconnect().catch(() => {});
  }

  private async startConsumer(group: string, topics: string[]): Promise<void> {
    if (this.options.defaultConsumers) return this.startDefaultConsumer(group, topics);
    const consumer = this.kafka.consumer({ groupId: group, sessionTimeout: 10_000, heartbeatInterval: 1_000, rebalanceTimeout: 10_000, maxWaitTimeInMs: 250, retry: { retries: 1_000, initialRetryTime: 200, maxRetryTime: 2_000 } });
    this.consumerOf.set(group, consumer);
    const { CRASH, GROUP_JOIN, DISCONNECT, STOP } = consumer.events;
    consumer.on(CRASH, (e) => {
      this.events.push({ at: Date.now(), group, event: 'crash', detail: `${(e.payload.error as Error).message} (restart: ${String(e.payload.restart)})` });
      this.keepRetired(consumer, group, 'crashed after it was stopped');
      // kafkajs gives up on some errors a Java client would rejoin after (a commit refused with
      // ILLEGAL_GENERATION once the group moved): the application starts a new consumer
      if (!e.payload.restart && this.consuming && this.consumerOf.get(group) === consumer) this.replaceConsumer(group, topics);
    });
    consumer.on(GROUP_JOIN, (e) => {
      this.events.push({ at: Date.now(), group, event: 'join', detail: `generation ${e.payload.groupProtocol} member ${e.payload.memberId}` });
      this.keepRetired(consumer, group, 'joined after it was stopped');
    });
    consumer.on(DISCONNECT, () => this.events.push({ at: Date.now(), group, event: 'disconnect', detail: '' }));
    consumer.on(STOP, () => this.events.push({ at: Date.now(), group, event: 'stop', detail: '' }));
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isStale, isRunning }) => {
        const messages = batch.messages;
        // a batch fetched before the group was joined again (the gateway switched clusters under
        // it) holds positions of the old cluster: a correct client drops it, as kafkajs documents
        if (messages.length === 0 || isStale() || !isRunning()) return;
        // processed first, then committed: a commit the broker took but whose answer the gateway's
        // stop swallowed leaves the client unsure; such records are marked, not dropped
        const now = Date.now();
        const last = this.lastProcessed.get(group);
        if (last !== undefined) this.maxConsumeGapMs = Math.max(this.maxConsumeGapMs, now - last);
        this.lastProcessed.set(group, now);
        const entries = messages.map((m) => ({ group, topic: batch.topic, partition: batch.partition, seq: Number(m.headers?.seq?.toString() ?? '-1'), at: now, committed: true }));
        this.processed.push(...entries);
        try {
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(messages[messages.length - 1]!.offset) + 1n).toString() }]);
        } catch (error) {
          for (const e of entries) e.committed = false;
          throw error;
        }
        for (const m of messages) resolveOffset(m.offset);
        await heartbeat();
      },
    });
  }

  private async startDefaultConsumer(group: string, topics: string[]): Promise<void> {
    // kafkajs's defaults everywhere: client id, retries, timeouts, auto-commit
    const consumer = new Kafka({ brokers: [this.options.bootstrap], ...this.logging(group) }).consumer({ groupId: group });
    this.consumerOf.set(group, consumer);
    const { CRASH, GROUP_JOIN } = consumer.events;
    consumer.on(CRASH, (e) => {
      this.events.push({ at: Date.now(), group, event: 'crash', detail: `${(e.payload.error as Error).message} (restart: ${String(e.payload.restart)})` });
      this.keepRetired(consumer, group, 'crashed after it was stopped');
      if (!e.payload.restart && this.consuming && this.consumerOf.get(group) === consumer) this.replaceConsumer(group, topics);
    });
    consumer.on(GROUP_JOIN, (e) => {
      this.events.push({ at: Date.now(), group, event: 'join', detail: `member ${e.payload.memberId}` });
      this.keepRetired(consumer, group, 'joined after it was stopped');
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const now = Date.now();
        const last = this.lastProcessed.get(group);
        if (last !== undefined) this.maxConsumeGapMs = Math.max(this.maxConsumeGapMs, now - last);
        this.lastProcessed.set(group, now);
        this.processed.push({ group, topic, partition, seq: Number(message.headers?.seq?.toString() ?? '-1'), at: now, committed: true });
      },
    });
  }

  /** Stops producing; consumers keep going. */
  async stopProducers(): Promise<void> {
    this.producing = false;
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Acknowledged records each group has not processed yet. */
  pending(): Record<string, number> {
    return Object.fromEntries(this.options.groups.map((g) => [g.group, this.pendingFor(g.group, g.topics)]));
  }

  /** Waits until every group processed every acknowledged record of its topics (or the time is up). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.options.groups.every((g) => this.pendingFor(g.group, g.topics) === 0)) return true;
      await sleep(250);
    }
    return false;
  }

  private pendingFor(group: string, topics: string[]): number {
    const got = new Set(this.processed.filter((p) => p.group === group).map((p) => `${p.topic}\u0000${p.seq}`));
    return this.acked.filter((a) => topics.includes(a.topic) && !got.has(`${a.topic}\u0000${a.seq}`)).length;
  }

  async stop(): Promise<void> {
    this.producing = false;
    this.consuming = false;
    if (this.watchdog) clearInterval(this.watchdog);
    await Promise.all(this.loops);
    await Promise.all([...this.consumerOf.values()].map((c) => this.retire(c)));
  }
}

export interface CheckResult {
  acked: number;
  /** acknowledged records absent from the final cluster */
  lost: number;
  /** records present more than once on the final cluster */
  duplicatedInLog: number;
  /** aborted records that appear on the final cluster (read_committed) */
  abortedVisible: number;
  /** records of commits the client never heard back from that did commit (present on the final cluster) */
  uncertainCommitted: number;
  /** per group: records processed twice, acknowledged records never processed, order breaks */
  groups: { group: string; processed: number; duplicates: number; missing: number; outOfOrder: number }[];
}

/** Reads every record of the topics on `bootstrap` (read_committed) as (topic, partition, seq). */
export async function readAllSeqs(bootstrap: string, topics: string[], expected: number, timeoutMs = 60_000): Promise<{ topic: string; partition: number; seq: number; offset: bigint }[]> {
  const kafka = new Kafka({ clientId: 'zdp-checker', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  let total = 0;
  const ends = new Map<string, bigint>();
  for (const t of topics) for (const o of await admin.fetchTopicOffsets(t)) {
    ends.set(`${t}\u0000${o.partition}`, BigInt(o.high));
    total += Number(o.high) - Number(o.low);
  }
  await admin.disconnect();
  const out: { topic: string; partition: number; seq: number; offset: bigint }[] = [];
  if (total === 0) return [];
  const consumer = kafka.consumer({ groupId: `zdp-checker-${Date.now()}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  const done = new Set<string>();
  let lastAt = Date.now();
  await consumer.run({
    eachBatch: async ({ batch }) => {
      for (const m of batch.messages) out.push({ topic: batch.topic, partition: batch.partition, seq: Number(m.headers?.seq?.toString() ?? '-1'), offset: BigInt(m.offset) });
      if (BigInt(batch.lastOffset()) + 1n >= (ends.get(`${batch.topic}\u0000${batch.partition}`) ?? 0n)) done.add(`${batch.topic}\u0000${batch.partition}`);
      lastAt = Date.now();
    },
  });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && (out.length < expected || done.size < [...ends.values()].filter((e) => e > 0n).length) && !(out.length >= expected && Date.now() - lastAt > 3_000)) await sleep(200);
  await consumer.disconnect();
  // one entry per log position: a batch the reading consumer was handed twice (a fetch retried, a
  // rebalance) is one record in the log, not a record written twice
  const byPosition = new Map(out.map((r) => [`${r.topic}\u0000${r.partition}\u0000${r.offset}`, r]));
  return [...byPosition.values()].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || (a.offset < b.offset ? -1 : 1));
}

/** Compares what producers had acknowledged and consumers processed with what the final cluster holds. */
export function check(workload: Pick<Workload, 'acked' | 'aborted' | 'processed'> & Partial<Pick<Workload, 'uncertain'>>, finalLog: { topic: string; partition: number; seq: number }[], groups: { group: string; topics: string[] }[]): CheckResult {
  const present = new Map<string, number>();
  for (const r of finalLog) if (r.seq >= 0) present.set(`${r.topic}\u0000${r.seq}`, (present.get(`${r.topic}\u0000${r.seq}`) ?? 0) + 1);
  const ackedKeys = new Set(workload.acked.map((a) => `${a.topic}\u0000${a.seq}`));
  const abortedKeys = new Set(workload.aborted.map((a) => `${a.topic}\u0000${a.seq}`));
  const lost = [...ackedKeys].filter((k) => !present.has(k)).length;
  const duplicatedInLog = [...present.values()].reduce((n, c) => n + (c > 1 ? c - 1 : 0), 0);
  const abortedVisible = [...present.keys()].filter((k) => abortedKeys.has(k) && !ackedKeys.has(k)).length;
  const uncertainCommitted = (workload.uncertain ?? []).filter((u) => present.has(`${u.topic}\u0000${u.seq}`)).length;
  const out: CheckResult['groups'] = [];
  for (const g of groups) {
    const mine = workload.processed.filter((p) => p.group === g.group && p.seq >= 0);
    const seen = new Map<string, number>();
    const committedReads = new Map<string, number>();
    for (const p of mine) {
      const k = `${p.topic}\u0000${p.seq}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
      if (p.committed) committedReads.set(k, (committedReads.get(k) ?? 0) + 1);
    }
    // a duplicate is a record read again after a read whose commit succeeded; a record the log holds
    // twice (a producer retry that had been written) is read twice by right
    const duplicates = [...committedReads].reduce((n, [k, c]) => n + Math.max(0, c - Math.max(1, present.get(k) ?? 1)), 0);
    const missing = workload.acked.filter((a) => g.topics.includes(a.topic) && !seen.has(`${a.topic}\u0000${a.seq}`)).length;
    // per partition, records must be processed in the order they were acknowledged (so the first
    // record read on the target is the one after the last committed on the source)
    const ackOrder = new Map<string, number[]>();
    for (const a of workload.acked) if (g.topics.includes(a.topic)) (ackOrder.get(`${a.topic}\u0000${a.partition}`) ?? ackOrder.set(`${a.topic}\u0000${a.partition}`, []).get(`${a.topic}\u0000${a.partition}`)!).push(a.seq);
    let outOfOrder = 0;
    const firstSeen = new Set<string>();
    const byPartition = new Map<string, number[]>();
    for (const p of mine) {
      const k = `${p.topic}\u0000${p.seq}`;
      if (firstSeen.has(k)) continue;
      firstSeen.add(k);
      (byPartition.get(`${p.topic}\u0000${p.partition}`) ?? byPartition.set(`${p.topic}\u0000${p.partition}`, []).get(`${p.topic}\u0000${p.partition}`)!).push(p.seq);
    }
    for (const [tp, seqs] of byPartition) {
      const expected = ackOrder.get(tp) ?? [];
      const pos = new Map(expected.map((s, i) => [s, i]));
      let prev = -1;
      for (const s of seqs) {
        const i = pos.get(s);
        if (i === undefined) continue; // a record acknowledged by no one (an aborted or retried send)
        if (i < prev) outOfOrder++;
        prev = i;
      }
    }
    out.push({ group: g.group, processed: mine.length, duplicates, missing, outOfOrder });
  }
  return { acked: ackedKeys.size, lost, duplicatedInLog, abortedVisible, uncertainCommitted, groups: out };
}
