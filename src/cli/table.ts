import Table from 'cli-table3';

const ASCII = {
  top: '-',
  'top-mid': '+',
  'top-left': '+',
  'top-right': '+',
  bottom: '-',
  'bottom-mid': '+',
  'bottom-left': '+',
  'bottom-right': '+',
  left: '|',
  'left-mid': '+',
  mid: '-',
  'mid-mid': '+',
  right: '|',
  'right-mid': '+',
  middle: '|',
};

/** A table in python-prettytable's ASCII style, as the nova and openstack clients print. */
export function renderTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const t = new Table({ head: [...headers], chars: ASCII, style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 } });
  for (const r of rows) t.push(r.map((c) => (c === null || c === undefined ? '-' : String(c))));
  // prettytable has no separators between body rows.
  const lines = t.toString().split('\n');
  const sep = lines[0] ?? '';
  return lines.filter((l, i) => !(l === sep && i > 2 && i < lines.length - 1)).join('\n');
}

/** A two-column Property/Value table (nova show). */
export function renderProperties(obj: Record<string, unknown>): string {
  return renderTable(
    ['Property', 'Value'],
    Object.keys(obj)
      .sort()
      .map((k) => [k, typeof obj[k] === 'object' && obj[k] !== null ? JSON.stringify(obj[k]) : obj[k]]),
  );
}
