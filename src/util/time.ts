/** Naive UTC timestamps as stored and as they cross the bus: 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export function dbTime(d: Date = new Date()): string {
  return `${d.toISOString().slice(0, 23).replace('T', ' ')}000`;
}

/** Parse a timestamp of that format as a Date. */
export function parseDbTime(s: string): Date {
  return new Date(`${s.replace(' ', 'T').slice(0, 23)}Z`);
}
