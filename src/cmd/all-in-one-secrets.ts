import fs from 'node:fs';
import path from 'node:path';
import { generatePassword } from '../identity/bootstrap.ts';

/** The passwords the all-in-one generates on its first start, kept (mode 0600) so restarts reuse them. */
export interface AllInOneSecrets {
  admin_password: string;
  service_password: string;
}

/** Read `$state_path/all-in-one-secrets.json`, creating it on first use (NOVA_ADMIN_PASSWORD sets the admin password). */
export function allInOneSecrets(statePath: string, env: Readonly<Record<string, string | undefined>> = process.env): AllInOneSecrets {
  const file = path.join(statePath, 'all-in-one-secrets.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as AllInOneSecrets;
  } catch {
    const secrets = { admin_password: env.NOVA_ADMIN_PASSWORD || generatePassword(), service_password: generatePassword() };
    fs.mkdirSync(statePath, { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
    return secrets;
  }
}
