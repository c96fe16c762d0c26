/**
 * kafkajs's own log lines (zdp --debug): kafkajs hands a log creator entries shaped
 * { namespace, level, label, log: { message, timestamp, logger, ...fields } }.
 */
import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaConfig } from '../../src/kafka/client.js';

const profile = { name: 'local', vendor: 'apache' as const, bootstrapServers: ['127.0.0.1:9092'], timeoutMs: 5_000 };

describe('kafkajs log lines', () => {
  it('are passed on with their message and fields, without timestamp and logger', () => {
    const lines: string[] = [];
    const config = kafkaConfig(profile, { env: {}, log: (line) => void lines.push(line) });
    expect(config.logLevel).toBe(logLevel.INFO);
    const log = config.logCreator!(logLevel.INFO);
    log({ namespace: 'Connection', level: logLevel.ERROR, label: 'ERROR', log: { message: 'Connection error: connect ECONNREFUSED', timestamp: '2026-12-03T00:00:00Z', logger: 'kafkajs', broker: '127.0.0.1:9092' } });
    expect(lines).toEqual(['kafkajs ERROR: Connection error: connect ECONNREFUSED {"broker":"127.0.0.1:9092"}']);
  });

  it('are not produced without --debug', () => {
    const config = kafkaConfig(profile, { env: {} });
    expect(config.logLevel).toBe(logLevel.NOTHING);
    expect(() => config.logCreator!(logLevel.NOTHING)({ namespace: 'x', level: logLevel.ERROR, label: 'ERROR', log: { message: 'm', timestamp: '', logger: 'kafkajs' } })).not.toThrow();
  });
});
