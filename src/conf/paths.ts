import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root directory (where package.json lives), from src/ or dist/. */
export const projectRoot: string = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The first non-internal IPv4 address of this host, or 127.0.0.1. */
export function guessMyIp(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return '127.0.0.1';
}
