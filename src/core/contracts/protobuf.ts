/**
 * Makes a registry Protobuf schema something @asyncapi/protobuf-schema-parser accepts: the record's
 * message is marked `// @RootNode` when the file declares several top-level messages, and imports
 * of other registry subjects are replaced by their definitions (the parser only resolves
 * google/* imports). Pure.
 */

/** Reads the Confluent Protobuf message-index path at the start of a framed body (zigzag varints). */
export function readMessageIndexes(body: Uint8Array): number[] | undefined {
  let at = 0;
  const varint = (): number | undefined => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (at >= body.length || shift > 28) return undefined;
      const b = body[at++]!;
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
    }
    return (result >>> 1) ^ -(result & 1);
  };
  const count = varint();
  if (count === undefined || count < 0 || count > 32) return undefined;
  if (count === 0) return [0];
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = varint();
    if (v === undefined || v < 0) return undefined;
    out.push(v);
  }
  return out;
}

/** Names of the top-level messages, in declaration order. */
export function topLevelMessages(proto: string): { name: string; index: number }[] {
  const out: { name: string; index: number }[] = [];
  let depth = 0;
  const re = /\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:\\.|[^"\\])*"|\bmessage\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{|[{}]/g;
  for (let m = re.exec(proto); m; m = re.exec(proto)) {
    const token = m[0];
    if (token.startsWith('//') || token.startsWith('/*') || token.startsWith('"')) continue;
    if (m[1] !== undefined) {
      if (depth === 0) out.push({ name: m[1], index: m.index });
      depth++;
    } else if (token === '{') depth++;
    else if (token === '}') depth--;
  }
  return out;
}

function stripHeader(proto: string): string {
  return proto
    .split('\n')
    .filter((l) => !/^\s*(syntax|package|import|option\s+java_|option\s+go_package)\b/.test(l))
    .join('\n')
    .trim();
}

export function protobufForParser(proto: string, messageIndexes: number[] | undefined, referenced: readonly string[] = []): string {
  let text = proto
    .split('\n')
    .filter((l) => {
      const imp = /^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"/.exec(l);
      return !imp || /^google\/(protobuf|type)\//.test(imp[1]!);
    })
    .join('\n');
  if (referenced.length > 0) text = `${text.trimEnd()}\n\n${referenced.map(stripHeader).join('\n\n')}\n`;
  const messages = topLevelMessages(text);
  if (messages.length > 1 && !/@RootNode/.test(text)) {
    const chosen = messages[messageIndexes?.[0] ?? 0] ?? messages[0]!;
    text = `${text.slice(0, chosen.index)}// @RootNode\n${text.slice(chosen.index)}`;
  }
  return text;
}
