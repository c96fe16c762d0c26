/** zdp gateway render --target kroxylicious reads node ids from the real clusters it must cover. */
import { describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { join } from 'node:path';
import { REPO, runZdp } from '../harness/helpers.js';

const products = join(REPO, 'fixtures', 'products');

const projectDir = inject('zdpProjectDir');

describe('kroxylicious node-id ranges from live clusters', () => {
  it('covers the node ids of the source and the migration target', async () => {
    const r = await runZdp(['gateway', 'render', '--target', 'kroxylicious', '--cluster', 'source', '--cover', 'target', '--products-dir', products, '--out', '-'], { cwd: projectDir });
    expect(r.code, r.stderr).toBe(0);
    const doc = parse(r.stdout);
    expect(doc.virtualClusters[0].gateways[0].portIdentifiesNode.nodeIdRanges).toEqual([{ name: 'brokers', start: 1, end: 1 }]);
    expect(doc.virtualClusters[0].targetCluster.bootstrapServers).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('says which cluster it could not reach (exit 4)', async () => {
    const r = await runZdp(['gateway', 'render', '--target', 'kroxylicious', '--cluster', 'source', '--cover', 'target', '--products-dir', products, '--set', 'clusters.target.bootstrapServers=127.0.0.1:1', '--out', '-'], { cwd: projectDir });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('cannot reach cluster "target" at 127.0.0.1:1');
  });
});
