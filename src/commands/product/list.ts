/** `zdp product list`: data products and their versions. */
import { relative } from 'node:path';
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { renderTable } from '../../cli/render/table.js';
import type { Runtime } from '../../cli/runtime.js';
import { listProductNames, listVersions, readProduct } from '../../products/store.js';

export function parseListOptions(rt: ParseContext): { productsDir: string } {
  return { productsDir: rt.config().productsDir };
}

export function runList(options: { productsDir: string }, rt: Runtime): View {
  const { productsDir } = options;
  const rows = listProductNames(productsDir).map((name) => {
    const versions = listVersions(productsDir, name);
    const p = readProduct(productsDir, name);
    return { name, versions, latest: versions[versions.length - 1]!, owner: p.metadata.owner.team, channels: p.spec.channels.map((c) => c.address), cluster: p.spec.deployment.cluster };
  });
  return {
    kind: 'ProductList',
    data: { products: rows },
    text: rows.length === 0 ? `no data products in ${relative(rt.cwd, productsDir) || productsDir}` : renderTable(['NAME', 'LATEST', 'VERSIONS', 'OWNER', 'CLUSTER', 'CHANNELS'], rows.map((r) => [r.name, r.latest, String(r.versions.length), r.owner, r.cluster, r.channels.join(', ')])),
  };
}
