import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * Gating for tests that need real services. Without the service the test is
 * skipped with the reason printed; with NOVA_TEST_REQUIRE_BACKENDS=1 (CI) a
 * missing service fails the run instead.
 */
export const REQUIRE = process.env.NOVA_TEST_REQUIRE_BACKENDS === '1';

export const MYSQL_HOST = process.env.NOVA_TEST_MYSQL_HOST ?? '127.0.0.1';
export const MYSQL_PORT = Number(process.env.NOVA_TEST_MYSQL_PORT ?? 3306);
export const RABBIT_HOST = process.env.NOVA_TEST_RABBIT_HOST ?? '127.0.0.1';
export const RABBIT_PORT = Number(process.env.NOVA_TEST_RABBIT_PORT ?? 5672);

function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** undefined when available; otherwise the skip reason. Throws in CI. */
async function gate(name: string, host: string, port: number): Promise<string | undefined> {
  if (await portOpen(host, port)) return undefined;
  const reason = `SKIPPED: ${name} is not reachable at ${host}:${port}`;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

export const mysqlSkip = (): Promise<string | undefined> => gate('MariaDB/MySQL', MYSQL_HOST, MYSQL_PORT);
export const rabbitSkip = (): Promise<string | undefined> => gate('RabbitMQ', RABBIT_HOST, RABBIT_PORT);

function runs(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
    return true;
  } catch {
    return false;
  }
}

/** undefined when qemu-system-x86_64 and qemu-img run here; otherwise the skip reason. Throws in CI. */
export async function qemuSkip(): Promise<string | undefined> {
  const missing = ['qemu-system-x86_64', 'qemu-img'].find((cmd) => !runs(cmd, ['--version']));
  if (!missing) return undefined;
  const reason = `SKIPPED: ${missing} not installed`;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

/** Debian's chromium, which the browser console tests drive with playwright-core. */
export const CHROMIUM = process.env.NOVA_TEST_CHROMIUM ?? '/usr/bin/chromium';

/** undefined when Debian's chromium runs here; otherwise the skip reason. Throws in CI. */
export async function chromiumSkip(): Promise<string | undefined> {
  if (runs(CHROMIUM, ['--version'])) return undefined;
  const reason = `SKIPPED: ${CHROMIUM} not installed (Debian package chromium)`;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

/** undefined when the `openstack` command (Debian python3-openstackclient) runs here; otherwise the skip reason. Throws in CI. */
export async function openstackSkip(): Promise<string | undefined> {
  if (runs('openstack', ['--version'])) return undefined;
  const reason = 'SKIPPED: python3-openstackclient not installed';
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(5).toString('hex')}`;
}

/** A fresh MySQL database URL (the caller drops it with dropMysqlDatabase). */
export function mysqlUrl(database: string): string {
  return `mysql+pymysql://root:@${MYSQL_HOST}:${MYSQL_PORT}/${database}`;
}

export async function dropMysqlDatabase(database: string): Promise<void> {
  const { createConnection } = await import('mysql2/promise');
  const c = await createConnection({ host: MYSQL_HOST, port: MYSQL_PORT, user: 'root', password: '' });
  try {
    await c.query(`DROP DATABASE IF EXISTS \`${database}\``);
  } finally {
    await c.end();
  }
}

function rabbitmqctl(...args: string[]): void {
  // rabbitmqctl starts an Erlang VM each time; under load it can be slow, so retry once.
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync('rabbitmqctl', args, { stdio: 'ignore', timeout: 60_000 });
      return;
    } catch (e) {
      if (attempt >= 2) throw e;
    }
  }
}

/** A private RabbitMQ virtual host for one test, so tests never see each other's queues. */
export function createRabbitVhost(): { url: string; vhost: string; drop(): void; closeConnections(): void } {
  const vhost = uniqueName('nova_test');
  rabbitmqctl('add_vhost', vhost);
  rabbitmqctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  return {
    vhost,
    url: `rabbit://guest:guest@${RABBIT_HOST}:${RABBIT_PORT}/${vhost}`,
    drop: () => rabbitmqctl('delete_vhost', vhost),
    closeConnections: () => rabbitmqctl('close_all_connections', '--vhost', vhost, 'test: simulated broker restart'),
  };
}

/** undefined when qemu-img, qemu-io and qemu-storage-daemon (the file volume driver and its NBD clients) run here; otherwise the skip reason. Throws in CI. */
export function volumeToolsSkip(): string | undefined {
  const missing = ['qemu-img', 'qemu-io', 'qemu-storage-daemon'].find((cmd) => !runs(cmd, ['--version']));
  if (!missing) return undefined;
  const reason = `SKIPPED: ${missing} not installed (Debian qemu-utils, qemu-system-common)`;
  if (REQUIRE) throw new Error(`${reason}, and NOVA_TEST_REQUIRE_BACKENDS=1 forbids skipping`);
  process.stderr.write(`# ${reason}\n`);
  return reason;
}
