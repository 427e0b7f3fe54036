/**
 * A nova.conf reader with oslo.config's iniparser semantics: `[section]`,
 * `key = value` or `key: value`, `#` and `;` comment lines, indented
 * continuation lines, matching quotes stripped, repeated keys kept in order.
 */
export interface IniEntry {
  section: string;
  key: string;
  value: string;
  line: number;
}

export class IniParseError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

export function parseIni(text: string, file = '<string>'): IniEntry[] {
  const out: IniEntry[] = [];
  let section: string | null = null;
  let last: IniEntry | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    const lineNo = i + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) {
      if (trimmed === '') last = null;
      continue;
    }
    if (/^\s/.test(raw)) {
      if (!last) throw new IniParseError(file, lineNo, 'unexpected continuation line');
      last.value = last.value === '' ? trimmed : `${last.value}\n${trimmed}`;
      continue;
    }
    if (trimmed.startsWith('[')) {
      if (!trimmed.endsWith(']') || trimmed.length < 3) {
        throw new IniParseError(file, lineNo, `invalid section header ${JSON.stringify(trimmed)}`);
      }
      section = trimmed.slice(1, -1).trim();
      last = null;
      continue;
    }
    const m = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!m) throw new IniParseError(file, lineNo, `expected 'key = value', got ${JSON.stringify(trimmed)}`);
    if (section === null) throw new IniParseError(file, lineNo, 'option before any [section]');
    last = { section, key: m[1] as string, value: m[2] as string, line: lineNo };
    out.push(last);
  }
  return out.map((e) => ({ ...e, value: unquote(e.value) }));
}
