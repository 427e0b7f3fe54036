/**
 * The move and image cases of the driver contract (src/virt/driver-moves.ts),
 * run by runDriverSuite after the lifecycle cases: snapshot, rescue, NMI and
 * admin password on the suite's guest; cold moves (same host, to a second
 * host and back with a revert, to it with a confirm) and live migration
 * (completed, forced, aborted) on a guest of their own between the suite's
 * host and the harness's peer host. A capability the driver reports as off
 * turns its case into a check of the refusal (DriverNotSupported). The
 * interface cases (driver-interfaces.case.ts) follow.
 */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { it } from 'node:test';
import { InstanceNotFound } from '../../src/exception/instance.ts';
import { DriverNotSupported, HypervisorError } from '../../src/exception/virt.ts';
import type { BdmConnectionInfo } from '../../src/objects/block-device.ts';
import type { DriverCapability } from '../../src/objects/compute-node.ts';
import type { FlavorSnapshot, InstanceDTO } from '../../src/objects/instance.ts';
import type { ImageMeta } from '../../src/objects/request-spec.ts';
import { PowerState } from '../../src/objects/states.ts';
import type { ComputeDriver, HostResources, LiveMigrationProgress, MoveTarget } from '../../src/virt/driver.ts';
import type { ImageSink } from '../../src/virt/driver-moves.ts';
import { interfaceCases } from './driver-interfaces.case.ts';
import { volumeCases } from './driver-volumes.case.ts';

/** The second host a harness offers for moves. */
export interface PeerHost {
  readonly host: string;
  /** Where its hypervisor is reached ([DEFAULT] my_ip there). */
  readonly address: string;
  make(): Promise<ComputeDriver>;
}

/** What the move cases see of the running suite. */
export interface MoveSuite {
  readonly skip: string | undefined;
  readonly d: ComputeDriver;
  readonly host: string;
  /** Where this host's hypervisor is reached. */
  readonly address: string;
  readonly image: ImageMeta;
  readonly peer: PeerHost | undefined;
  /** The suite's running guest (left running by each case). */
  readonly guest: InstanceDTO;
  /** Extra checks of a snapshot's bytes (the harness knows the format). */
  readonly checkSnapshot: ((data: Buffer, format: 'qcow2' | 'raw') => Promise<void>) | undefined;
  /** The harness's served volumes (DriverHarness.volumeConnection). */
  readonly volumeConnection: ((volumeId: string) => Promise<BdmConnectionInfo>) | undefined;
  newInstance(name: string): InstanceDTO;
  ensureRunning(inst: InstanceDTO): Promise<void>;
  waitBoots(inst: InstanceDTO, count: number, driver?: ComputeDriver): Promise<void>;
  /** Remember a driver and an instance the suite's end must clean. */
  track(driver: ComputeDriver, inst: InstanceDTO): void;
}

/** The flavor a resize goes to: more memory, a bigger root disk. */
const BIGGER: Partial<FlavorSnapshot> = { id: 2, flavorid: 'nano-plus', name: 'm1.nano-plus', memory_mb: 160, root_gb: 2 };

function withFlavor(inst: InstanceDTO, f: FlavorSnapshot, old: FlavorSnapshot | null): InstanceDTO {
  return {
    ...inst,
    flavor: f,
    old_flavor: old,
    new_flavor: null,
    memory_mb: f.memory_mb,
    vcpus: f.vcpus,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    instance_type_id: f.id,
  };
}

type Used = Pick<HostResources, 'vcpus_used' | 'memory_mb_used' | 'local_gb_used'>;
async function used(d: ComputeDriver): Promise<Used> {
  const r = await d.getAvailableResource();
  return { vcpus_used: r.vcpus_used, memory_mb_used: r.memory_mb_used, local_gb_used: r.local_gb_used };
}
const plus = (u: Used, f: FlavorSnapshot, n = 1): Used => ({
  vcpus_used: u.vcpus_used + n * f.vcpus,
  memory_mb_used: u.memory_mb_used + n * f.memory_mb,
  local_gb_used: u.local_gb_used + n * (f.root_gb + f.ephemeral_gb),
});

async function readAll(data: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of data) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  return Buffer.concat(chunks);
}

const state = async (d: ComputeDriver, i: InstanceDTO) => (await d.getInfo(i)).state;
const unknownTo = (d: ComputeDriver, i: InstanceDTO) => assert.rejects(d.getInfo(i), InstanceNotFound);

export function moveCases(s: MoveSuite): void {
  const can = (c: DriverCapability) => s.d.capabilities[c];
  const refused = DriverNotSupported;

  it('snapshots a running guest to the sink without stopping or rebooting it', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d, guest } = s;
    await s.ensureRunning(guest);
    const uploads: { data: Buffer; format: 'qcow2' | 'raw' }[] = [];
    const sink: ImageSink = { upload: async (data, format) => void uploads.push({ data: await readAll(data), format }) };
    if (!can('supports_snapshot')) return void (await assert.rejects(d.snapshot(guest, sink), refused));
    await assert.rejects(d.snapshot(s.newInstance('ghost'), sink), InstanceNotFound);
    const before = await d.getConsoleOutput(guest);
    await d.snapshot(guest, sink);
    assert.equal(uploads.length, 1, 'one upload');
    const [u] = uploads;
    assert.ok(u && u.data.length > 0, 'the image has data');
    assert.equal(await state(d, guest), PowerState.RUNNING);
    assert.ok((await d.getConsoleOutput(guest)).startsWith(before.slice(0, 200)), 'the same boot goes on');
    if (u) await s.checkSnapshot?.(u.data, u.format);
  });

  it('rescues the guest and brings it back (unrescue), running each time', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d, guest, image } = s;
    await s.ensureRunning(guest);
    if (!can('supports_rescue')) {
      await assert.rejects(d.rescue(guest, image, null), refused);
      return void (await assert.rejects(d.unrescue(guest), refused));
    }
    await assert.rejects(d.rescue(s.newInstance('ghost'), image, null), InstanceNotFound);
    await d.rescue(guest, image, 'rescue-pass');
    assert.equal(await state(d, guest), PowerState.RUNNING);
    await d.unrescue(guest);
    assert.equal(await state(d, guest), PowerState.RUNNING);
  });

  it('injects an NMI into a running guest only; sets an admin password only with the capability', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d, guest } = s;
    await s.ensureRunning(guest);
    if (can('supports_trigger_crash_dump')) {
      await d.injectNmi(guest);
      assert.equal(await state(d, guest), PowerState.RUNNING);
      await assert.rejects(d.injectNmi(s.newInstance('ghost')), InstanceNotFound);
    } else {
      await assert.rejects(d.injectNmi(guest), refused);
    }
    if (can('supports_set_admin_password')) await d.setAdminPassword(guest, 'new-pass');
    else await assert.rejects(d.setAdminPassword(guest, 'new-pass'), refused);
    await assert.rejects(d.liveMigrationAbort(guest), (e) => e instanceof HypervisorError || e instanceof DriverNotSupported, 'no live migration runs');
  });

  // The moves: one guest of their own, going between this host and the peer.
  let mover: InstanceDTO;
  let peer: ComputeDriver | undefined;
  const peerTarget = (): MoveTarget => ({ host: s.peer?.host ?? '', address: s.peer?.address ?? '' });
  const moveSkip = () => s.skip ?? (s.peer ? undefined : 'the harness has no second host');

  it('resizes on the same host: the guest comes back with the new flavor; confirm keeps it', async (t) => {
    if (s.skip) return t.skip(s.skip);
    const { d } = s;
    mover = s.newInstance('mover');
    if (!can('supports_migrate')) return void (await assert.rejects(d.migrateDiskAndPowerOff(mover, { host: s.host, address: s.address }, 0), refused));
    await d.spawn(mover, { image: s.image, adminPassword: null });
    s.track(d, mover);
    await s.waitBoots(mover, 1);
    if (!can('supports_migrate_to_same_host')) return;
    const before = await used(d);
    const bigger: FlavorSnapshot = { ...mover.flavor, ...BIGGER };
    const disk = await d.migrateDiskAndPowerOff({ ...mover, new_flavor: bigger }, { host: s.host, address: s.address }, 60);
    const resized = withFlavor(mover, bigger, mover.flavor);
    await d.finishMigration(resized, disk, s.image, true);
    assert.equal(await state(d, resized), PowerState.RUNNING);
    await d.confirmMigration(resized);
    assert.equal(await state(d, resized), PowerState.RUNNING, 'confirm leaves the resized guest alone');
    assert.deepEqual(await used(d), plus(plus(before, mover.flavor, -1), bigger), 'the new flavor is counted');
    mover = withFlavor(resized, bigger, null);
  });

  it('cold-migrates to another host and reverts: the guest is back on its source, running, its flavor as before', async (t) => {
    const why = moveSkip();
    if (why || !can('supports_migrate')) return t.skip(why ?? 'no cold migration (checked above)');
    const { d } = s;
    peer = await (s.peer as PeerHost).make();
    await peer.initHost((s.peer as PeerHost).host, []);
    const peerBefore = await used(peer);
    await s.ensureRunning(mover);
    const disk = await d.migrateDiskAndPowerOff(mover, peerTarget(), 60);
    await unknownTo(d, mover);
    await peer.finishMigration(mover, disk, s.image, true);
    s.track(peer, mover);
    assert.equal(await state(peer, mover), PowerState.RUNNING);
    await s.waitBoots(mover, 1, peer);
    assert.deepEqual(await used(peer), plus(peerBefore, mover.flavor), 'the destination counts it');
    await peer.destroy(mover); // revert_resize on the destination
    await d.finishRevertMigration(mover, true);
    assert.equal(await state(d, mover), PowerState.RUNNING);
    await unknownTo(peer, mover);
    assert.deepEqual(await used(peer), peerBefore);
  });

  it('cold-migrates to another host and confirms: the source keeps nothing', async (t) => {
    const why = moveSkip();
    if (why || !can('supports_migrate') || !peer) return t.skip(why ?? 'no cold migration');
    const { d } = s;
    await s.ensureRunning(mover);
    const disk = await d.migrateDiskAndPowerOff(mover, peerTarget(), 60);
    await peer.finishMigration(mover, disk, s.image, true);
    await d.confirmMigration(mover);
    await d.confirmMigration(mover);
    await unknownTo(d, mover);
    assert.ok(!(await d.listInstances()).includes(mover.uuid));
    assert.equal(await state(peer, mover), PowerState.RUNNING);
    await s.waitBoots(mover, 1, peer);
  });

  it('live-migrates back with progress, running throughout; an aborted one leaves the guest on its source', async (t) => {
    const why = moveSkip();
    if (why || !peer) return t.skip(why ?? 'no guest on the peer (no cold migration)');
    const { d } = s;
    if (!can('supports_live_migration')) return void (await assert.rejects(d.preLiveMigration(mover, true), refused));
    const progress: LiveMigrationProgress[] = [];
    const data = await d.preLiveMigration(mover, true);
    await peer.liveMigration(mover, { host: s.host, address: s.address }, data, (p) => progress.push(p));
    await d.postLiveMigrationAtDestination(mover);
    await peer.destroy(mover);
    assert.equal(await state(d, mover), PowerState.RUNNING);
    await unknownTo(peer, mover);
    assert.ok(progress.length > 0 && progress.some((p) => p.memory_total > 0), `progress: ${JSON.stringify(progress.at(-1))}`);

    const again = await peer.preLiveMigration(mover, true);
    const aborting = d.liveMigration(mover, peerTarget(), again, () => {
      d.liveMigrationAbort(mover).catch(() => {});
    });
    await assert.rejects(aborting, HypervisorError);
    await peer.rollbackLiveMigrationAtDestination(mover);
    assert.equal(await state(d, mover), PowerState.RUNNING, 'the aborted guest runs on its source');
    await unknownTo(peer, mover);

    const forced = await peer.preLiveMigration(mover, true);
    await d.liveMigration(mover, peerTarget(), forced, () => {
      d.liveMigrationForceComplete(mover).catch(() => {});
    });
    await peer.postLiveMigrationAtDestination(mover);
    await d.destroy(mover);
    assert.equal(await state(peer, mover), PowerState.RUNNING, 'forced to complete');
    await peer.destroy(mover);
    await unknownTo(peer, mover);
    await unknownTo(d, mover);
    assert.ok(!(await peer.listInstances()).includes(mover.uuid));
  });

  interfaceCases(s);
  volumeCases(s);
}
