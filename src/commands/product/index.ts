/** `zdp productize` and `zdp product lint|list|show|docs|diff`. */
import { Option, type Command } from 'commander';
import { executeLazy, type CommandContext } from '../../cli/command.js';
import { collect } from '../../cli/flags.js';
import { COMPATIBILITY_RULES, CONSUMPTION_MODES, DEFAULT_COMPATIBILITY } from '../../core/products/terms.js';

import type { ProductizeFlags } from './productize.js';

export function registerProduct(program: Command, ctx: CommandContext): void {
  program
    .command('productize')
    .description('bundle extracted contracts into a versioned data product (owner, access, compatibility, consumption modes) and gate breaking changes')
    .requiredOption('--contract <file>', 'AsyncAPI contract from `zdp extract`; repeatable', collect)
    .requiredOption('--name <name>', 'product name (lower-case letters, digits, -)')
    .requiredOption('--version <semver>', 'product version, e.g. 1.0.0')
    .addOption(new Option('--channel <id|topic>', 'channel to expose; repeatable (default: all; asks on a terminal)').argParser(collect).default([]))
    .option('--owner <team>', 'owning team (asks on a terminal)')
    .option('--owner-email <email>', 'owning team e-mail')
    .option('--domain <domain>', 'business domain')
    .option('--description <text>', 'what the product is for')
    .addOption(new Option('--tag <tag>', 'tag; repeatable').argParser(collect).default([]))
    .addOption(new Option('--contact <contact>', 'a contact: "Name <email> role"; repeatable').argParser(collect).default([]))
    .addOption(new Option('--compatibility <rule>', 'compatibility rule for every message: CONSUMER_SAFE protects the consumers a product has (a major version for anything a reader could fail on); the others are the schema registry\'s').choices(COMPATIBILITY_RULES).default(DEFAULT_COMPATIBILITY))
    .option('--consumption <modes>', `comma-separated: ${CONSUMPTION_MODES.join(', ')}`, 'kafka,http-fetch,sse')
    .addOption(new Option('--writable <id|topic>', 'channel producers may write to; repeatable (default: read-only)').argParser(collect).default([]))
    .addOption(new Option('--access <rule>', 'who may do what: app:<name>=read[,write][@channel,...]; repeatable').argParser(collect).default([]))
    .option('--cluster <profile>', "cluster profile that serves the product (default: the contract's server)")
    .option('--freshness <seconds>', 'service level: maximum age of the newest record, in seconds')
    .addOption(new Option('-o, --out <dir>', 'deprecated: the products directory is --products-dir everywhere').hideHelp())
    .option('--no-docs', 'do not write Markdown and HTML documentation next to the product')
    .option('--no-registry-check', "do not ask the cluster's schema registry whether the new schemas are compatible")
    .option('--dry-run', 'run every check and the gate; write nothing', false)
    .addHelpText('after', '\nExamples:\n  zdp productize --contract contracts/orders.created.asyncapi.yaml --name orders --version 1.0.0 --owner checkout\n  zdp productize --contract a.yaml --contract b.yaml --name shop --version 2.0.0 --owner shop --access app:billing=read --writable orders.created\n  zdp productize --contract contracts/orders.created.asyncapi.yaml --name orders --version 1.1.0 --owner checkout --dry-run')
    .action((flags: ProductizeFlags) => executeLazy(ctx, () => import('./productize.js'), (m, rt) => m.parseProductizeOptions(flags, rt), (m) => m.runProductize));

  const product = program.command('product').description('inspect and check data products');

  product
    .command('lint')
    .description('validate product files against the data-product schema, their contract and each other')
    .argument('[paths...]', 'product.yaml files or directories holding them (default: the products directory)')
    .addHelpText('after', '\nExamples:\n  zdp product lint\n  zdp product lint products/\n  zdp product lint products/orders/1.0.0/product.yaml --json')
    .action((files: string[]) => executeLazy(ctx, () => import('./lint.js'), (m, rt) => m.parseLintOptions(files, rt), (m) => m.runLint));

  product
    .command('list')
    .description('list data products and their versions')
    .addHelpText('after', '\nExamples:\n  zdp product list\n  zdp product list --json | jq -r \'.products[].name\'')
    .action(() => executeLazy(ctx, () => import('./list.js'), (m, rt) => m.parseListOptions(rt), (m) => m.runList));

  product
    .command('show')
    .description('print a data product (latest version unless name@version)')
    .argument('<product>', 'name or name@version')
    .addHelpText('after', '\nExamples:\n  zdp product show orders\n  zdp product show orders@1.0.0 --output yaml')
    .action((ref: string) => executeLazy(ctx, () => import('./show.js'), (m, rt) => m.parseShowOptions(ref, rt), (m) => m.runShow));

  product
    .command('docs')
    .description('write Markdown and HTML documentation of a product from its contract (@asyncapi/generator, templates/)')
    .argument('<product>', 'name or name@version')
    .addOption(new Option('--format <format>', 'which documents').choices(['markdown', 'html', 'both']).default('both'))
    .option('-o, --out <dir>', 'output directory (default: products/<name>/<version>/docs)')
    .option('--generator', 'render with @asyncapi/generator (installed beside zdp) instead of zdp\'s own renderer of the same templates; Avro and Protobuf payloads then show as the JSON Schema its parser converts them to')
    .addHelpText('after', '\nExamples:\n  zdp product docs orders\n  zdp product docs orders@1.0.0 --format markdown --out site/orders')
    .action((ref: string, flags: { format: string; out?: string; generator?: boolean }) => executeLazy(ctx, () => import('./docs.js'), (m, rt) => m.parseDocsOptions(ref, flags, rt), (m) => m.runDocs));

  product
    .command('diff')
    .description('classify the changes between two product versions; exit 7 when a breaking change lacks a major version bump')
    .argument('<old>', 'name@version or a product.yaml path')
    .argument('<new>', 'name@version or a product.yaml path')
    .option('--across-products', 'compare versions of two different products (by default refused: their changes are no version history)')
    .addHelpText('after', '\nExamples:\n  zdp product diff orders@1.0.0 orders@1.1.0\n  zdp product diff products/orders/1.0.0/product.yaml new/product.yaml --json')
    .action((a: string, b: string, flags: { acrossProducts?: boolean }) => executeLazy(ctx, () => import('./diff.js'), (m, rt) => m.parseDiffOptions(a, b, rt, flags), (m) => m.runDiff));
}
