/**
 * nova.scheduler.filters.extra_specs_ops.match: does a host's value satisfy
 * a requirement from a flavor's extra specs? A requirement is either a
 * plain value (compared for equality) or an operator and its operand(s):
 * `=` (at least, numeric), `==`, `!=`, `>=`, `<=` (numeric), `s==`, `s!=`,
 * `s<`, `s<=`, `s>`, `s>=` (string), `<in>` (substring), `<all-in>` (every
 * word a substring) and `<or>` (`<or> v1 <or> v2`: any of the values).
 */

/** Python's float() of a string, or null when it would raise. */
function pyFloat(s: string): number | null {
  const t = s.trim().replace(/(\d)_(?=\d)/g, '$1');
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  const special = /^([-+]?)(inf|infinity|nan)$/i.exec(t);
  if (!special) return null;
  if (special[2]?.toLowerCase() === 'nan') return Number.NaN;
  return special[1] === '-' ? -Infinity : Infinity;
}

type Op = (value: string, operand: string) => boolean;

const numeric =
  (cmp: (a: number, b: number) => boolean): Op =>
  (value, operand) => {
    const a = pyFloat(value);
    const b = pyFloat(operand);
    return a !== null && b !== null && cmp(a, b);
  };

const OPS: Readonly<Record<string, Op>> = {
  '=': numeric((a, b) => a >= b),
  '==': numeric((a, b) => a === b),
  '!=': numeric((a, b) => a !== b),
  '>=': numeric((a, b) => a >= b),
  '<=': numeric((a, b) => a <= b),
  '<in>': (value, operand) => value.includes(operand),
  's==': (a, b) => a === b,
  's!=': (a, b) => a !== b,
  's<': (a, b) => a < b,
  's<=': (a, b) => a <= b,
  's>': (a, b) => a > b,
  's>=': (a, b) => a >= b,
};

/** Whether `value` satisfies the requirement `req`. A malformed number never matches (Nova would raise). */
export function matchExtraSpec(value: string | null, req: string): boolean {
  const words = req.split(/\s+/).filter((w) => w !== '');
  const op = words.shift();
  const isOr = op === '<or>';
  const isAllIn = op === '<all-in>';
  const method = op !== undefined && Object.hasOwn(OPS, op) ? OPS[op] : undefined;
  if (!isOr && !isAllIn && !method) return value === req;
  if (value === null) return false;
  if (isOr) {
    // <or> v1 <or> v2 <or> v3: the values sit at every other word.
    return words.some((w, i) => i % 2 === 0 && w === value);
  }
  if (words.length === 0) return false;
  if (isAllIn) return words.every((w) => value.includes(w));
  return (method as Op)(value, words[0] as string);
}
