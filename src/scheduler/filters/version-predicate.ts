/**
 * Version constraints as Nova's img_hv_requested_version uses them
 * (distutils VersionPredicate): comma-separated comparisons such as
 * '>=6.0' or '>= 2.1, < 3'.
 */

const CLAUSE = /^\s*(<=|>=|==|!=|<|>)\s*(\d+(?:\.\d+)*)\s*$/;

/** A hypervisor_version integer as a dotted string: 8002001 → '8.2.1' (oslo convert_version_to_str). */
export function versionIntToString(version: number): string {
  const parts: number[] = [];
  let rest = Math.trunc(version);
  while (rest > 0) {
    parts.unshift(rest % 1000);
    rest = Math.floor(rest / 1000);
  }
  return parts.length === 0 ? '0' : parts.join('.');
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const OPS: Record<string, (c: number) => boolean> = {
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '==': (c) => c === 0,
  '!=': (c) => c !== 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
};

/**
 * Whether a dotted version satisfies every clause of a constraint. A
 * constraint that does not parse is satisfied by nothing.
 */
export function satisfiesVersion(version: string, constraint: string): boolean {
  const have = version.split('.').map(Number);
  const clauses = constraint.split(',');
  return clauses.every((clause) => {
    const m = CLAUSE.exec(clause);
    if (!m) return false;
    const op = OPS[m[1]!]!;
    return op(compare(have, m[2]!.split('.').map(Number)));
  });
}
