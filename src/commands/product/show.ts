/** `zdp product show <name[@version]>`: one data product (latest version unless named). */
import type { ParseContext } from '../../cli/command.js';
import type { View } from '../../cli/emit.js';
import { renderTable } from '../../cli/render/table.js';
import { readProduct } from '../../products/store.js';
import { parseProductRef } from './shared.js';

export interface ShowOptions {
  productsDir: string;
  name: string;
  version?: string;
}

export function parseShowOptions(ref: string, rt: ParseContext): ShowOptions {
  return { ...parseProductRef(ref), productsDir: rt.config().productsDir };
}

export function runShow(options: ShowOptions): View {
  const p = readProduct(options.productsDir, options.name, options.version);
  const m = p.metadata;
  return {
    kind: 'Product',
    data: { product: p },
    text: [
      `${m.name} ${m.version}${m.domain ? `  (domain ${m.domain})` : ''}`,
      m.description ?? '',
      `owner: ${m.owner.team}${m.owner.email ? ` <${m.owner.email}>` : ''}`,
      `served by: ${p.spec.deployment.cluster}; consumption: ${p.spec.consumption.join(', ')}`,
      '',
      renderTable(['CHANNEL', 'TOPIC', 'READ', 'WRITE', 'COMPATIBILITY'], p.spec.channels.map((c) => [c.id, p.spec.deployment.topics[c.id] ?? c.address, c.read ? 'yes' : 'no', c.write ? 'yes' : 'no', c.compatibility])),
      '',
      p.spec.access.length ? renderTable(['PRINCIPAL', 'PERMISSIONS', 'CHANNELS'], p.spec.access.map((a) => [a.principal, a.permissions.join(','), a.channels.join(',')])) : 'access: nobody granted yet (add --access rules)',
    ].filter((l, i) => l !== '' || i > 2).join('\n'),
  };
}
