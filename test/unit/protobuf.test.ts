import { describe, expect, it } from 'vitest';
import { protobufForParser, readMessageIndexes, topLevelMessages } from '../../src/core/contracts/protobuf.js';

const twoMessages = `syntax = "proto3";
package shop;
import "google/protobuf/timestamp.proto";
import "shop/common.proto";

// a comment with message Fake { }
message Order {
  message Line { string sku = 1; }
  repeated Line lines = 1;
  google.protobuf.Timestamp at = 2;
}

message Refund {
  string order_id = 1;
}
`;

describe('Protobuf schemas for the AsyncAPI parser', () => {
  it('reads Confluent message-index paths', () => {
    expect(readMessageIndexes(Uint8Array.from([0x00, 0x0a]))).toEqual([0]);
    expect(readMessageIndexes(Uint8Array.from([0x02, 0x02]))).toEqual([1]);
    expect(readMessageIndexes(Uint8Array.from([0x04, 0x02, 0x00]))).toEqual([1, 0]);
    expect(readMessageIndexes(Uint8Array.from([0x80]))).toBeUndefined();
  });

  it('finds top-level messages, not nested ones or ones in comments', () => {
    expect(topLevelMessages(twoMessages).map((m) => m.name)).toEqual(['Order', 'Refund']);
  });

  it('marks the record\'s message as root and inlines referenced subjects', () => {
    const out = protobufForParser(twoMessages, [1], ['syntax = "proto3";\npackage shop;\nmessage Money { int64 cents = 1; }\n']);
    expect(out).toContain('// @RootNode\nmessage Refund');
    expect(out).not.toContain('import "shop/common.proto"');
    expect(out).toContain('import "google/protobuf/timestamp.proto"');
    expect(out).toContain('message Money { int64 cents = 1; }');
    expect(out.match(/@RootNode/g)).toHaveLength(1);
  });

  it('leaves single-message files alone', () => {
    const one = 'syntax = "proto3";\nmessage Ping { string id = 1; }\n';
    expect(protobufForParser(one, [0])).toBe(one);
  });
});
