/**
 * The QEMU driver's moves and images until they are built on real guests:
 * their capabilities are off (nova-api refuses them before casting), and a
 * call that gets here anyway is DriverNotSupported.
 */
import { DriverNotSupported } from '../../exception/virt.ts';
import type { DiskInfo, LiveMigrateData } from '../driver-moves.ts';

function notYet(what: string): Promise<never> {
  return Promise.reject(new DriverNotSupported(`The QEMU driver does not support ${what} yet.`));
}

export abstract class QemuMovesNotYet {
  migrateDiskAndPowerOff(): Promise<DiskInfo> {
    return notYet('cold migration');
  }
  finishMigration(): Promise<void> {
    return notYet('cold migration');
  }
  confirmMigration(): Promise<void> {
    return notYet('cold migration');
  }
  finishRevertMigration(): Promise<void> {
    return notYet('cold migration');
  }
  preLiveMigration(): Promise<LiveMigrateData> {
    return notYet('live migration');
  }
  liveMigration(): Promise<void> {
    return notYet('live migration');
  }
  postLiveMigrationAtDestination(): Promise<void> {
    return notYet('live migration');
  }
  rollbackLiveMigrationAtDestination(): Promise<void> {
    return notYet('live migration');
  }
  liveMigrationForceComplete(): Promise<void> {
    return notYet('live migration');
  }
  liveMigrationAbort(): Promise<void> {
    return notYet('live migration');
  }
  snapshot(): Promise<void> {
    return notYet('snapshot');
  }
  rescue(): Promise<void> {
    return notYet('rescue');
  }
  unrescue(): Promise<void> {
    return notYet('rescue');
  }
  setAdminPassword(): Promise<void> {
    return notYet('set_admin_password');
  }
  injectNmi(): Promise<void> {
    return notYet('trigger_crash_dump');
  }
}
