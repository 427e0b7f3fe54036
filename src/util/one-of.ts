/** Is `value` one of `choices`? (Narrows a string from a request or a row to its union.) */
export function oneOf<T extends string>(choices: readonly T[], value: unknown): value is T {
  return choices.some((c) => c === value);
}

/**
 * `value` as one of `choices`, or an error naming what it is: for values
 * stored as plain strings but read back as a union (a row's status).
 */
export function expectOneOf<T extends string>(choices: readonly T[], value: unknown, what: string): T {
  if (oneOf(choices, value)) return value;
  throw new Error(`Unexpected ${what} ${JSON.stringify(value)}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}`);
}
