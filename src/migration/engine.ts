/**
 * The engine MirrorMaker 2 runs on, as the migration and the cutover see it: a supervised
 * dedicated-mode process, or connectors on an existing Kafka Connect cluster. Both answer "is it
 * running", "how far has it copied" and "stop".
 */
import type { HttpService } from '../config/types.js';
import { parseMm2Offset } from '../core/migration/lag.js';
import { tpKey, type Side } from '../offsets/translation.js';
import { mm2Running, readMm2, stopMirrorMaker, writeMm2, type Mm2Record } from '../processes/mirror-maker.js';
import { ConnectClient } from './connect-client.js';
import { mm2CommittedOffsets } from './progress.js';

export interface ReplicationEngine {
  readonly kind: 'dedicated' | 'connect';
  readonly record: Mm2Record;
  running(): Promise<boolean>;
  /** MM2's committed source offsets per topic-partition key (the next record to copy is offset + 1) */
  committedOffsets(target: Side): Promise<Map<string, bigint>>;
  stop(graceMs?: number): Promise<boolean>;
  where(): string;
}

class Dedicated implements ReplicationEngine {
  readonly kind = 'dedicated';
  constructor(
    private readonly dir: string,
    readonly record: Mm2Record,
  ) {}
  async running() {
    return mm2Running(this.dir, readMm2(this.dir));
  }
  committedOffsets(target: Side) {
    return mm2CommittedOffsets(target, this.record.id);
  }
  stop(graceMs?: number) {
    return stopMirrorMaker(this.dir, graceMs);
  }
  where() {
    return `pid ${this.record.pid ?? '-'}`;
  }
}

class OnConnect implements ReplicationEngine {
  readonly kind = 'connect';
  private readonly client: ConnectClient;
  constructor(
    private readonly dir: string,
    readonly record: Mm2Record,
    service: HttpService,
    env: NodeJS.ProcessEnv,
  ) {
    this.client = new ConnectClient(service, env);
  }
  async running() {
    if (!this.record.connectors?.length) return false;
    for (const name of this.record.connectors) {
      const s = await this.client.status(name);
      // the checkpoint connector has no task until a group to checkpoint exists
      if (!s || s.connector.state !== 'RUNNING' || (name.endsWith('-source') && s.tasks.length === 0) || s.tasks.some((t) => t.state !== 'RUNNING')) return false;
    }
    return true;
  }
  async committedOffsets(): Promise<Map<string, bigint>> {
    const out = new Map<string, bigint>();
    const source = this.record.connectors?.find((n) => n.endsWith('-source'));
    if (!source) return out;
    const offsets = await this.client.offsets(source).catch(() => []);
    for (const o of offsets) {
      const parsed = parseMm2Offset(JSON.stringify(['MirrorSourceConnector', o.partition]), o.offset ? JSON.stringify(o.offset) : null);
      if (parsed && parsed.offset !== null) out.set(tpKey(parsed.topic, parsed.partition), parsed.offset);
    }
    return out;
  }
  async stop() {
    let any = false;
    for (const name of this.record.connectors ?? []) any = (await this.client.delete(name)) || any;
    const r = readMm2(this.dir);
    if (r) {
      delete r.startedAt;
      writeMm2(this.dir, r);
    }
    return any;
  }
  where() {
    return `${this.record.connectors?.join(', ')} on ${this.record.connectUrl}`;
  }
}

/** The engine recorded for this migration, if MirrorMaker 2 was ever started for it. */
export function engineFor(dir: string, env: NodeJS.ProcessEnv, connect?: HttpService): ReplicationEngine | undefined {
  const record = readMm2(dir);
  if (!record) return undefined;
  if (record.engine === 'connect') return new OnConnect(dir, record, connect && connect.url.replace(/\/+$/, '') === record.connectUrl ? connect : { url: record.connectUrl! }, env);
  return new Dedicated(dir, record);
}
