/** ACLs through kafkajs's admin client: describe every binding, create bindings. */
import kafkajs from 'kafkajs';
import type { Admin } from 'kafkajs';
import { aclKey, type AclBinding, type AclState } from '../core/migration/acls.js';
import { AuthError, CheckFailedError } from '../errors.js';

const { AclResourceTypes, AclOperationTypes, AclPermissionTypes, ResourcePatternTypes } = kafkajs;

const invert = (o: Record<string, number>) => new Map(Object.entries(o).map(([k, v]) => [v, k]));
const RESOURCE = invert(AclResourceTypes as unknown as Record<string, number>);
const OPERATION = invert(AclOperationTypes as unknown as Record<string, number>);
const PERMISSION = invert(AclPermissionTypes as unknown as Record<string, number>);
const PATTERN = invert(ResourcePatternTypes as unknown as Record<string, number>);

function errorType(error: unknown): string | undefined {
  const e = error as { type?: string; originalError?: { type?: string } };
  return e?.type ?? e?.originalError?.type;
}

/** Every ACL binding of the cluster, or `authorizer: false` when it runs none (SECURITY_DISABLED). */
export async function describeAllAcls(admin: Admin, cluster: string): Promise<AclState> {
  try {
    const r = await admin.describeAcls({
      resourceType: AclResourceTypes.ANY,
      resourcePatternType: ResourcePatternTypes.ANY,
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    const bindings: AclBinding[] = [];
    for (const res of r.resources) {
      for (const acl of res.acls) {
        bindings.push({
          resourceType: (RESOURCE.get(res.resourceType) ?? 'UNKNOWN') as AclBinding['resourceType'],
          resourceName: res.resourceName,
          patternType: (PATTERN.get(res.resourcePatternType) ?? 'UNKNOWN') as AclBinding['patternType'],
          principal: acl.principal,
          host: acl.host,
          operation: OPERATION.get(acl.operation) ?? 'UNKNOWN',
          permission: (PERMISSION.get(acl.permissionType) ?? 'UNKNOWN') as AclBinding['permission'],
        });
      }
    }
    return { authorizer: true, bindings };
  } catch (error) {
    const type = errorType(error);
    if (type === 'SECURITY_DISABLED') return { authorizer: false };
    if (type === 'CLUSTER_AUTHORIZATION_FAILED') {
      throw new AuthError('ACL_DESCRIBE_DENIED', `cluster "${cluster}" does not let zdp's principal describe ACLs`, { hint: 'zdp needs DESCRIBE on the CLUSTER resource (or a super user) to copy ACLs; or leave them out with --no-acls' });
    }
    throw error;
  }
}

export async function createAclBindings(admin: Admin, cluster: string, bindings: readonly AclBinding[], timeoutMs = 30_000): Promise<void> {
  if (bindings.length === 0) return;
  try {
    await admin.createAcls({
      acl: bindings.map((b) => ({
        resourceType: AclResourceTypes[b.resourceType as keyof typeof AclResourceTypes],
        resourceName: b.resourceName,
        resourcePatternType: ResourcePatternTypes[b.patternType as keyof typeof ResourcePatternTypes],
        principal: b.principal,
        host: b.host,
        operation: AclOperationTypes[b.operation as keyof typeof AclOperationTypes],
        permissionType: AclPermissionTypes[b.permission as keyof typeof AclPermissionTypes],
      })),
    });
  } catch (error) {
    if (errorType(error) === 'CLUSTER_AUTHORIZATION_FAILED') {
      throw new AuthError('ACL_CREATE_DENIED', `cluster "${cluster}" does not let zdp's principal create ACLs`, { hint: 'zdp needs ALTER on the CLUSTER resource (or a super user) on the target' });
    }
    throw error;
  }
  await waitAclsVisible(admin, cluster, bindings, timeoutMs);
}

/**
 * A KRaft controller answers CreateAcls once the bindings are committed; each broker's authorizer
 * applies them when it replays the metadata log, a moment later. Waiting until the broker lists them
 * means clients are authorized when apply returns, and a second plan sees them as present.
 */
async function waitAclsVisible(admin: Admin, cluster: string, bindings: readonly AclBinding[], timeoutMs: number): Promise<void> {
  const wanted = new Set(bindings.map(aclKey));
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const state = await describeAllAcls(admin, cluster);
    const seen = new Set((state.authorizer ? state.bindings : []).map(aclKey));
    const missing = [...wanted].filter((k) => !seen.has(k));
    if (missing.length === 0) return;
    if (performance.now() > deadline) {
      throw new CheckFailedError('ACL_NOT_VISIBLE', `cluster "${cluster}" took ${bindings.length} ACL binding(s) but its broker still lists ${missing.length} of them as absent after ${Math.round(timeoutMs / 1000)}s`, { hint: 'check the controller and the broker logs; running the migration again creates only what is still missing' });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
