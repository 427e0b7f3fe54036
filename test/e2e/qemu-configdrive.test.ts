import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BANNER, banners, configDriveSkip, ensureGuestImage, IMAGE_ID, jsonLine, pidsOf, serialCommand } from '../integration/qemu-support.ts';
import { mysqlSkip, qemuSkip, rabbitSkip } from '../support/backends.ts';
import { ApiClient } from '../support/cloud.ts';
import { type Cluster, startCluster } from '../support/cluster.ts';
import { until } from '../support/procs.ts';

/**
 * A config drive requested through the REST API (`"config_drive": true`
 * with a key pair, user data and metadata), with nova-api, nova-scheduler,
 * nova-conductor and nova-compute (qemu driver) as separate processes over
 * RabbitMQ and MariaDB: the guest names itself after the server's
 * hostname and finds the key, the admin password, the metadata and the
 * user data on /dev/vdb.
 */
describe('config drive through the API (qemu driver, TCG)', () => {
  let skip: string | undefined;
  let cluster: Cluster;
  let api: ApiClient;
  let imageDir = '';
  const instancesPath = () => path.join(cluster.dir, 'cfg-1', 'instances');

  before(async () => {
    skip = (await qemuSkip()) ?? configDriveSkip('iso9660') ?? (await mysqlSkip()) ?? (await rabbitSkip());
    if (skip) return;
    const disk = ensureGuestImage();
    imageDir = fs.mkdtempSync('/tmp/nova-e2e-images-');
    fs.copyFileSync(disk, path.join(imageDir, `${IMAGE_ID}.qcow2`));
    cluster = await startCluster({
      computes: [
        {
          host: 'cfg-1',
          conf: {
            DEFAULT: { compute_driver: 'qemu.QemuDriver', reserved_host_memory_mb: 0 },
            qemu: { local_image_dir: imageDir, shutdown_timeout: 30 },
          },
        },
      ],
    });
    api = new ApiClient(cluster.url).at('2.57');
  });
  after(async () => {
    await cluster?.stop(); // undefined when skipped or when startCluster failed (it cleaned up itself)
    if (imageDir) fs.rmSync(imageDir, { recursive: true, force: true });
  });

  const consoleText = async (id: string) => ((await api.post<{ output: string }>(`/servers/${id}/action`, { 'os-getConsoleOutput': {} })).body.output ?? '') as string;

  it('boots with config_drive, key_name, user_data and metadata; the guest reads them from /dev/vdb', async (t) => {
    if (skip) return t.skip(skip);
    const kp = await api.post<{ keypair: { name: string; public_key: string } }>('/os-keypairs', { keypair: { name: 'cfg-e2e-key' } });
    assert.equal(kp.status, 201, 'key pair created (2.2+)');
    const publicKey = kp.body.keypair.public_key;
    const userData = '#!/bin/sh\necho e2e-user-data-here\n';
    const created = await api.post<{ server: { id: string; adminPass: string } }>('/servers', {
      server: {
        name: 'cfg-e2e-1',
        imageRef: IMAGE_ID,
        flavorRef: '42',
        networks: 'none',
        config_drive: true,
        key_name: 'cfg-e2e-key',
        user_data: Buffer.from(userData).toString('base64'),
        metadata: { purpose: 'config-drive-e2e' },
      },
    });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const { id, adminPass } = created.body.server;
    const s = await api.waitFor(id, ['ACTIVE'], 120_000);
    assert.equal(s.config_drive, 'True');
    const hostname = s['OS-EXT-SRV-ATTR:hostname'] as string;
    assert.equal(hostname, 'cfg-e2e-1');

    await until(async () => banners(await consoleText(id)) >= 1, 120_000, `the boot banner of ${id}`, 500);
    const line = (await consoleText(id)).split('\n').find((l) => l.includes(BANNER)) as string;
    process.stderr.write(`# guest printed: ${line.trim()}\n`);
    assert.match(line, new RegExp(` host=${hostname}\\.novalocal .*configdrive=/dev/vdb uuid=${id}`));

    const serial = path.join(instancesPath(), id, 'serial.sock');
    const md = jsonLine(await serialCommand(serial, 'cat /mnt/config/openstack/latest/meta_data.json; echo; echo MD-$((40+2))', 'MD-42'), 'uuid');
    assert.equal(md.uuid, id);
    assert.equal(md.hostname, `${hostname}.novalocal`, '[api] dhcp_domain appended as Nova does');
    assert.equal(md.name, 'cfg-e2e-1');
    assert.equal(md.admin_pass, adminPass);
    assert.equal(md.project_id, 'admin');
    assert.deepEqual(md.meta, { purpose: 'config-drive-e2e' });
    assert.deepEqual(md.public_keys, { 'cfg-e2e-key': publicKey });
    assert.deepEqual(md.keys, [{ name: 'cfg-e2e-key', type: 'ssh', data: publicKey }]);
    await serialCommand(serial, 'sh /mnt/config/openstack/latest/user_data', 'e2e-user-data-here');

    assert.equal((await api.delete(`/servers/${id}`)).status, 204);
    await api.waitGone(id, 60_000);
    assert.deepEqual(pidsOf(id), []);
    assert.equal(fs.existsSync(path.join(instancesPath(), id)), false, 'no instance files (and no disk.config) left');
  });
});
