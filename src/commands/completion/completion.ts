/** `zdp completion bash|zsh|fish`: a shell completion script generated from the command tree. */
import type { Command, Option } from 'commander';
import type { View } from '../../cli/emit.js';
import { parseChoice } from '../../cli/flags.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

export interface CompletionOptions {
  shell: Shell;
  program: Command;
}

export function parseCompletionOptions(shell: string, program: Command): CompletionOptions {
  return { shell: parseChoice(shell, '<shell>', SHELLS), program };
}

interface Node {
  path: string[];
  commands: string[];
  flags: string[];
  /** flags that take a value, with their choices where there are some */
  values: Map<string, readonly string[]>;
}

function flagsOf(options: readonly Option[]): { flags: string[]; values: Map<string, readonly string[]> } {
  const flags: string[] = [];
  const values = new Map<string, readonly string[]>();
  for (const o of options) {
    if (o.hidden) continue;
    for (const f of [o.long, o.short]) if (f) flags.push(f);
    if (o.required || o.optional) for (const f of [o.long, o.short]) if (f) values.set(f, o.argChoices ?? []);
  }
  return { flags, values };
}

/** Every command of the tree, depth first, with its subcommands and flags (global flags included). */
export function commandTree(program: Command): Node[] {
  const global = flagsOf(program.options);
  const out: Node[] = [];
  const walk = (cmd: Command, path: string[]) => {
    const own = flagsOf(cmd.options);
    const subs = cmd.commands.filter((c) => !(c as unknown as { _hidden?: boolean })._hidden);
    out.push({ path, commands: subs.map((c) => c.name()), flags: [...new Set([...own.flags, ...global.flags, '--help'])], values: new Map([...global.values, ...own.values]) });
    for (const c of subs) walk(c, [...path, c.name()]);
  };
  walk(program, []);
  return out;
}

function bash(nodes: Node[]): string {
  const steps = nodes.flatMap((n) => n.commands.map((c) => `      "${n.path.join(' ')}:${c}") node="${[...n.path, c].join(' ')}" ;;`));
  const words = nodes.map((n) => `    "${n.path.join(' ')}") words="${[...n.commands, ...n.flags].join(' ')}" ;;`);
  // a flag's value: its choices where it has some, else file names
  const values = nodes.flatMap((n) => [...n.values].map(([f, c]) => `    "${n.path.join(' ')}|${f}") ${c.length > 0 ? `COMPREPLY=( $(compgen -W "${c.join(' ')}" -- "$cur") )` : 'COMPREPLY=( $(compgen -f -- "$cur") )'}; return ;;`));
  return `# zdp completion for bash. Load it with: source <(zdp completion bash)
_zdp() {
  local cur prev node words w i
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  node=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$node:$w" in
${steps.join('\n')}
    esac
  done
  case "$node|$prev" in
${values.join('\n')}
  esac
  case "$node" in
${words.join('\n')}
    *) words="" ;;
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$cur") )
}
complete -F _zdp zdp
`;
}

function zsh(nodes: Node[]): string {
  return `#compdef zdp
# zdp completion for zsh. Load it with: source <(zdp completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(nodes).split('\n').slice(1).join('\n')}`;
}

function fish(nodes: Node[]): string {
  const lines = ['# zdp completion for fish. Load it with: zdp completion fish | source', 'complete -c zdp -f'];
  const cond = (path: string[]) => (path.length === 0 ? '__fish_use_subcommand' : `__fish_seen_subcommand_from ${path[path.length - 1]}`);
  for (const n of nodes) {
    for (const c of n.commands) lines.push(`complete -c zdp -n '${cond(n.path)}' -a ${c}`);
    for (const f of n.flags.filter((x) => x.startsWith('--'))) {
      const choices = n.values.get(f);
      lines.push(`complete -c zdp -n '${cond(n.path)}' -l ${f.slice(2)}${choices ? ` -r${choices.length ? ` -a '${choices.join(' ')}'` : ''}` : ''}`);
    }
  }
  return `${[...new Set(lines)].join('\n')}\n`;
}

export function runCompletion(options: CompletionOptions): View {
  const nodes = commandTree(options.program);
  const script = options.shell === 'bash' ? bash(nodes) : options.shell === 'zsh' ? zsh(nodes) : fish(nodes);
  return { kind: 'Completion', data: { shell: options.shell }, document: script };
}
