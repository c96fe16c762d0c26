/**
 * ACLs in a migration, as a pure comparison: the source's bindings that concern the migrated topics
 * (and every group, transactional-id and cluster binding), each `create` or `present` on the
 * target, or `skip` with the reason. Principals are copied as they are: SCRAM credentials cannot be
 * read from a cluster, so the users themselves must exist on the target (the plan says so).
 */
import type { Vendor } from '../../config/types.js';

export interface AclBinding {
  resourceType: 'TOPIC' | 'GROUP' | 'CLUSTER' | 'TRANSACTIONAL_ID' | 'DELEGATION_TOKEN' | 'USER' | 'UNKNOWN';
  resourceName: string;
  patternType: 'LITERAL' | 'PREFIXED' | 'UNKNOWN';
  principal: string;
  host: string;
  operation: string;
  permission: 'ALLOW' | 'DENY' | 'UNKNOWN';
}

/** What a cluster says about ACLs: its bindings, or that it runs no authorizer. */
export type AclState = { authorizer: true; bindings: AclBinding[] } | { authorizer: false };

export interface AclPlanItem {
  binding: AclBinding;
  action: 'create' | 'present' | 'skip';
  reason?: string;
}

export interface AclPlan {
  source: { authorizer: boolean };
  target: { authorizer: boolean };
  items: AclPlanItem[];
  notes: string[];
  summary: { create: number; present: number; skip: number };
}

export function aclKey(b: AclBinding): string {
  return [b.resourceType, b.patternType, b.resourceName, b.principal, b.host, b.operation, b.permission].join('\u0000');
}

/** One line for a table or a message: `ALLOW User:app READ TOPIC orders (LITERAL) from *`. */
export function describeAcl(b: AclBinding): string {
  return `${b.permission} ${b.principal} ${b.operation} ${b.resourceType} ${b.resourceName}${b.patternType === 'PREFIXED' ? '*' : ''}${b.host === '*' ? '' : ` from ${b.host}`}`;
}

const VENDOR_RESOURCE_TYPES: Partial<Record<Vendor, ReadonlySet<string>>> = {
  // Redpanda's Kafka ACL API: topics, groups, the cluster and transactional ids
  redpanda: new Set(['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID']),
};

function concernsTopics(b: AclBinding, topics: readonly string[]): boolean {
  if (b.resourceType !== 'TOPIC') return true;
  if (b.patternType === 'LITERAL') return b.resourceName === '*' || topics.includes(b.resourceName);
  if (b.patternType === 'PREFIXED') return topics.some((t) => t.startsWith(b.resourceName));
  return false;
}

export function planAcls(source: AclState, target: AclState, topics: readonly string[], targetVendor: Vendor): AclPlan {
  const notes: string[] = [];
  const items: AclPlanItem[] = [];
  if (source.authorizer) {
    const have = new Set(target.authorizer ? target.bindings.map(aclKey) : []);
    const allowed = VENDOR_RESOURCE_TYPES[targetVendor];
    const sorted = [...source.bindings].sort((a, b) => aclKey(a).localeCompare(aclKey(b)));
    for (const binding of sorted) {
      if (!concernsTopics(binding, topics)) continue;
      if (!target.authorizer) items.push({ binding, action: 'skip', reason: 'the target runs no authorizer: it would let every client do this and more' });
      else if (binding.patternType === 'UNKNOWN' || binding.resourceType === 'UNKNOWN' || binding.permission === 'UNKNOWN') items.push({ binding, action: 'skip', reason: 'the source described it with a type this client does not know' });
      else if (allowed && !allowed.has(binding.resourceType)) items.push({ binding, action: 'skip', reason: `${targetVendor} has no ${binding.resourceType} ACLs` });
      else items.push({ binding, action: have.has(aclKey(binding)) ? 'present' : 'create' });
    }
    const principals = [...new Set(items.filter((i) => i.action !== 'skip').map((i) => i.binding.principal))].filter((p) => p !== 'User:*').sort();
    if (principals.length > 0) notes.push(`ACLs name ${principals.join(', ')}: their credentials (SCRAM passwords, certificates) cannot be read from the source and must exist on the target`);
    if (targetVendor === 'confluent' && principals.length > 0) notes.push('Confluent Cloud principals are service accounts (User:sa-…): check that the copied principals mean the same there');
    if (!target.authorizer && items.length > 0) notes.push('the target runs no authorizer: configure one (authorizer.class.name) before clients move, or its topics are open to everyone who can connect');
  }
  return {
    source: { authorizer: source.authorizer },
    target: { authorizer: target.authorizer },
    items,
    notes,
    summary: {
      create: items.filter((i) => i.action === 'create').length,
      present: items.filter((i) => i.action === 'present').length,
      skip: items.filter((i) => i.action === 'skip').length,
    },
  };
}
