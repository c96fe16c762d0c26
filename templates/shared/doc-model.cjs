/**
 * Turns a parsed AsyncAPI 3 document into a plain view for zdp's documentation templates:
 * channels with their Kafka binding, messages with flattened payload/key/header schemas,
 * operations and consumer groups. Deterministic: everything sorted, no dates.
 */
'use strict';

function typeOf(s) {
  if (!s || typeof s !== 'object') return '';
  if (Array.isArray(s.anyOf)) return s.anyOf.map(typeOf).join(' | ');
  const t = Array.isArray(s.type) ? s.type.join(' | ') : s.type || (s.properties ? 'object' : '');
  if (t === 'array' && s.items) return `array of ${typeOf(s.items)}`;
  return t;
}

function rows(schema, prefix, required, out) {
  if (!schema || typeof schema !== 'object') return out;
  const props = schema.properties || {};
  for (const name of Object.keys(props).filter((k) => !k.startsWith('x-parser')).sort()) {
    const p = props[name];
    const path = prefix ? `${prefix}.${name}` : name;
    const enumValues = Array.isArray(p.enum) ? p.enum.filter((v) => v !== null).join(', ') : '';
    out.push({ path, type: typeOf(p), format: p.format || '', required: (schema.required || []).includes(name), enumValues, description: p.description || '' });
    if (p.properties) rows(p, path, p.required || [], out);
    if (p.items && p.items.properties) rows(p.items, `${path}[]`, p.items.required || [], out);
  }
  return out;
}

function clean(v) {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === 'object') {
    const out = {};
    for (const k of Object.keys(v).sort()) if (!k.startsWith('x-parser')) out[k] = clean(v[k]);
    return out;
  }
  return v;
}

/** A value for a Markdown table cell: no pipe or line break can open a new cell or row. */
function cell(v) {
  return String(v === undefined || v === null ? '' : v).replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** "1 partition", "3 partitions". */
function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function docModel(asyncapi) {
  const doc = asyncapi.json();
  const channels = [];
  for (const id of Object.keys(doc.channels || {}).sort()) {
    const ch = doc.channels[id];
    const kafka = (ch.bindings && ch.bindings.kafka) || {};
    const configs = Object.entries(kafka.topicConfiguration || {}).map(([k, v]) => ({ name: k, value: Array.isArray(v) ? v.join(',') : String(v) })).sort((a, b) => a.name.localeCompare(b.name));
    const messages = Object.keys(ch.messages || {}).sort().map((mid) => {
      const m = ch.messages[mid];
      const payload = m.payload || {};
      const isMulti = typeof payload.schemaFormat === 'string';
      const key = (m.bindings && m.bindings.kafka && m.bindings.kafka.key) || undefined;
      return {
        id: mid,
        title: m.title || mid,
        contentType: m.contentType || doc.defaultContentType || '',
        payloadFormat: isMulti ? payload.schemaFormat : 'JSON Schema',
        payloadRows: isMulti ? [] : rows(payload, '', payload.required || [], []),
        payloadSchema: isMulti ? (typeof payload.schema === 'string' ? payload.schema : JSON.stringify(clean(payload.schema), null, 2)) : '',
        keyType: key ? [typeOf(key), key.format].filter(Boolean).join(', ') : 'none',
        headerRows: m.headers ? rows(m.headers, '', m.headers.required || [], []) : [],
        registry: m['x-zdp-schema'] ? clean(m['x-zdp-schema']) : undefined,
        examples: (m.examples || []).map((e) => JSON.stringify(clean(e.payload), null, 2)),
      };
    });
    const operations = Object.keys(doc.operations || {}).sort().map((oid) => ({ oid, op: doc.operations[oid] })).filter(({ op }) => op.channel && op.channel.address === ch.address).map(({ oid, op }) => {
      const g = op.bindings && op.bindings.kafka && op.bindings.kafka.groupId;
      return { id: oid, action: op.action, summary: op.summary || '', group: g && Array.isArray(g.enum) ? g.enum.join(', ') : '' };
    });
    channels.push({ id, address: ch.address, partitions: kafka.partitions, replicas: kafka.replicas, configs, messages, operations, notes: ch['x-zdp-notes'] || [] });
  }
  const servers = Object.keys(doc.servers || {}).sort().map((name) => ({ name, host: doc.servers[name].host, protocol: doc.servers[name].protocol }));
  const info = doc.info || {};
  const p = doc['x-zdp-product'];
  return {
    product: p ? { ...p, contacts: p.contacts || [], access: p.access || [], channels: p.channels || [], consumption: p.consumption || [] } : undefined,
    title: info.title,
    version: info.version,
    description: info.description || '',
    contact: info.contact ? [info.contact.name, info.contact.email ? `(${info.contact.email})` : ''].filter(Boolean).join(' ') : '',
    tags: (info.tags || []).map((t) => t.name).sort(),
    servers,
    channels,
  };
}

module.exports = { docModel, cell, plural };
