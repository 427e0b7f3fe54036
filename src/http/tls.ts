import fs from 'node:fs';
import { ConfigError } from '../exception/base.ts';

/** A certificate and key, read from PEM files. */
export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/**
 * Read the certificate and key named by two options (the key may sit in the
 * certificate file, as Nova allows). Null when no certificate is configured;
 * a missing or unreadable file is one line naming the option.
 */
export function readTls(certFile: string | null, keyFile: string | null, certOption: string, keyOption: string): TlsFiles | null {
  if (!certFile) return null;
  const read = (file: string, option: string) => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new ConfigError(`${option} ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  };
  const cert = read(certFile, certOption);
  const key = keyFile ? read(keyFile, keyOption) : cert;
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString())) throw new ConfigError(`${keyOption}: no PEM private key found (set it, or put the key in ${certOption})`);
  return { cert, key };
}
