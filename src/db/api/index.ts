import type { Db } from '../connection.ts';
import { AggregateRepository } from './aggregates.ts';
import { BlockDeviceMappingRepository } from './block-devices.ts';
import { ComputeNodeRepository } from './compute-nodes.ts';
import { ConsoleAuthTokenRepository } from './console-auth-tokens.ts';
import { FlavorRepository } from './flavors.ts';
import { InstanceHistoryRepository } from './instance-history.ts';
import { InstanceRepository } from './instances.ts';
import { KeyPairRepository } from './keypairs.ts';
import { MigrationRepository } from './migrations.ts';
import { QuotaClassRepository, UserQuotaRepository } from './quota-classes.ts';
import { QuotaRepository } from './quotas.ts';
import { RequestSpecRepository } from './request-specs.ts';
import { ServerGroupRepository } from './server-groups.ts';
import { ServiceRepository } from './services.ts';
import { TaskLogRepository } from './task-log.ts';

/** Every repository over one database connection. */
export class DbApi {
  readonly services: ServiceRepository;
  readonly computeNodes: ComputeNodeRepository;
  readonly instances: InstanceRepository;
  readonly history: InstanceHistoryRepository;
  readonly flavors: FlavorRepository;
  readonly keypairs: KeyPairRepository;
  readonly quotas: QuotaRepository;
  readonly quotaClasses: QuotaClassRepository;
  readonly userQuotas: UserQuotaRepository;
  readonly taskLog: TaskLogRepository;
  readonly consoleAuthTokens: ConsoleAuthTokenRepository;
  readonly serverGroups: ServerGroupRepository;
  readonly aggregates: AggregateRepository;
  readonly migrations: MigrationRepository;
  readonly requestSpecs: RequestSpecRepository;
  readonly blockDevices: BlockDeviceMappingRepository;

  constructor(readonly db: Db) {
    this.services = new ServiceRepository(db);
    this.computeNodes = new ComputeNodeRepository(db);
    this.instances = new InstanceRepository(db);
    this.history = new InstanceHistoryRepository(db);
    this.flavors = new FlavorRepository(db);
    this.keypairs = new KeyPairRepository(db);
    this.quotas = new QuotaRepository(db);
    this.quotaClasses = new QuotaClassRepository(db);
    this.userQuotas = new UserQuotaRepository(db);
    this.taskLog = new TaskLogRepository(db);
    this.consoleAuthTokens = new ConsoleAuthTokenRepository(db);
    this.serverGroups = new ServerGroupRepository(db);
    this.aggregates = new AggregateRepository(db);
    this.migrations = new MigrationRepository(db);
    this.requestSpecs = new RequestSpecRepository(db);
    this.blockDevices = new BlockDeviceMappingRepository(db);
  }
}
