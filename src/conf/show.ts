import type { NovaConfig } from './groups.ts';
import { type GroupName, groupList } from './groups.ts';
import type { Opt } from './opt.ts';

/** Hide the password part of URLs and whole secret values. */
export function maskSecret(value: string): string {
  if (/^[a-z][\w+.-]*:\/\//i.test(value)) {
    return value.replace(/(\/\/|,)([^:@/,]*):([^@/,]*)@/g, (_m, pre: string, user: string) => `${pre}${user}:****@`);
  }
  return '****';
}

function render(opt: Opt<unknown>, value: unknown): string {
  if (value === null) return '<None>';
  if (Array.isArray(value)) return value.join(',');
  const s = String(value);
  return opt.secret ? maskSecret(s) : s;
}

/** The effective configuration as nova.conf text (what `nova-manage config show` prints). */
export function showConfig(conf: NovaConfig): string {
  const lines: string[] = [];
  for (const g of groupList()) {
    lines.push(`[${g.name}]`);
    const values = conf[g.name as GroupName] as Record<string, unknown>;
    for (const [name, opt] of Object.entries(g.opts)) lines.push(`${name} = ${render(opt, values[name])}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** A commented sample nova.conf generated from the option declarations (`nova-manage config sample`). */
export function sampleConfig(): string {
  const lines: string[] = [];
  for (const g of groupList()) {
    lines.push(`[${g.name}]`, `# ${g.help}`, '');
    for (const [name, opt] of Object.entries(g.opts)) {
      const words = opt.help.split(/\s+/);
      let line = '#';
      for (const w of words) {
        if (line.length + w.length > 78) {
          lines.push(line);
          line = '#';
        }
        line += ` ${w}`;
      }
      lines.push(line);
      const extra: string[] = [`type: ${opt.kind}`];
      if (opt.choices) extra.push(`choices: ${opt.choices.join(', ')}`);
      if (opt.min !== undefined) extra.push(`min: ${opt.min}`);
      if (opt.max !== undefined) extra.push(`max: ${opt.max}`);
      lines.push(`# (${extra.join('; ')})`);
      const def = opt.default === null ? '' : Array.isArray(opt.default) ? opt.default.join(',') : String(opt.default);
      const shown = name === 'host' || name === 'my_ip' || name === 'state_path' ? `<${name} of this machine>` : def;
      lines.push(`#${name} = ${shown}`, '');
    }
  }
  return lines.join('\n');
}
