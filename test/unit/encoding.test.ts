import { describe, expect, it } from 'vitest';
import { detectEncoding, EncodingVote } from '../../src/core/encoding/detect.js';

const framed = (id: number, body: number[]) => Buffer.from([0, (id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff, ...body]);

describe('detectEncoding', () => {
  it.each([
    [null, 'tombstone'],
    [Buffer.alloc(0), 'empty'],
    [framed(7, [2, 4, 0x61]), 'registry'],
    [Buffer.from('{"a":1}'), 'json'],
    [Buffer.from('[1,2]'), 'json'],
    [Buffer.from('42'), 'json'],
    [Buffer.from('"quoted"'), 'json'],
    [Buffer.from('hello world'), 'text'],
    [Buffer.from('{not json'), 'text'],
    [Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'binary'],
    [Buffer.from([0xc3, 0x28]), 'binary'],
    [Buffer.from('tab\tand\nnewline'), 'text'],
    [Buffer.from('bell\u0007'), 'binary'],
  ])('%j is %s', (value, encoding) => {
    expect(detectEncoding(value as Buffer | null).encoding).toBe(encoding);
  });

  it('reads the Confluent schema id and body', () => {
    const d = detectEncoding(framed(258, [1, 2, 3]));
    expect(d.schemaId).toBe(258);
    expect([...d.body!]).toEqual([1, 2, 3]);
  });

  it('reads an Apicurio 8-byte id when the 4-byte id is 0', () => {
    const v = Buffer.alloc(12);
    v.writeBigUInt64BE(5n, 1);
    v[9] = 9;
    const d = detectEncoding(v);
    expect(d).toMatchObject({ encoding: 'registry-apicurio', schemaId: 5 });
  });

  it('notes invalid UTF-8 only where the bytes start like JSON', () => {
    expect(detectEncoding(Buffer.from([0x7b, 0xff, 0x7d])).note).toBe('starts like JSON but is not valid UTF-8');
    expect(detectEncoding(Buffer.from([0x01, 0xff, 0x7d])).note).toBeUndefined();
  });
});

describe('EncodingVote', () => {
  it('picks the majority, reports mixed topics and ignores tombstones', () => {
    const v = new EncodingVote();
    for (let i = 0; i < 9; i++) v.add('json');
    v.add('text');
    v.add('tombstone');
    expect(v.winner()).toEqual({ encoding: 'json', confidence: 0.9, mixed: true });
    expect(v.toJSON()).toEqual({ json: 9, text: 1, tombstone: 1 });
    const empty = new EncodingVote();
    empty.add('tombstone');
    expect(empty.winner()).toBeUndefined();
  });
});
