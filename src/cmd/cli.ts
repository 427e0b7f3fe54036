import { Command, Option } from 'commander';
import { flavorList } from '../cli/commands/flavors.ts';
import { hypervisorList, hypervisorStats } from '../cli/commands/hypervisors.ts';
import { availabilityZoneList, keypairList } from '../cli/commands/misc.ts';
import { consoleLog, deleteServers, lock, rebootServers, SIMPLE_ACTIONS, simpleAction, startServers, stopServers } from '../cli/commands/server-actions.ts';
import { boot, list, show } from '../cli/commands/servers.ts';
import { serviceList } from '../cli/commands/services.ts';
import { formatError } from '../cli/errors.ts';
import { type GlobalOptions, makeSession, type Session } from '../cli/session.ts';

// The `nova` command-line client: commander wiring only; the commands live in src/cli/commands/.

const collect = (value: string, previous: string[]): string[] => [...previous, value];

const program = new Command('nova')
  .description('Command-line interface to the OpenStack Compute API (python-novaclient compatible).')
  .option(
    '--os-compute-api-version <api-ver>',
    'Accepts X.Y (where X is major and Y is minor part) or "X.latest"; default: the newest version both sides support (env OS_COMPUTE_API_VERSION)',
  )
  .option('--os-endpoint-override <url>', 'Compute endpoint, e.g. http://host:8774/v2.1 (env NOVA_ENDPOINT or OS_COMPUTE_URL)')
  .option('--os-token <token>', 'Token; with noauth2 "user:project" (env OS_TOKEN)')
  .option('--os-auth-url <url>', 'Keystone URL (env OS_AUTH_URL)')
  .option('--os-username <name>', 'Keystone user name (env OS_USERNAME)')
  .option('--os-password <password>', 'Keystone password (env OS_PASSWORD)')
  .option('--os-project-name <name>', 'Keystone project name (env OS_PROJECT_NAME)')
  .option('--os-project-id <id>', 'Keystone project id (env OS_PROJECT_ID)')
  .option('--os-user-domain-name <name>', 'Domain of the user (env OS_USER_DOMAIN_NAME, default "Default")')
  .option('--os-project-domain-name <name>', 'Domain of the project (env OS_PROJECT_DOMAIN_NAME, default "Default")')
  .option('--os-region-name <region>', 'Region of the compute endpoint in the catalog (env OS_REGION_NAME)')
  .option('--os-interface <interface>', 'Catalog interface: public, internal or admin (env OS_INTERFACE)')
  .option('--timeout <seconds>', 'Set HTTP call timeout (in seconds)')
  .option('--debug', 'Print debugging output (every HTTP request and response on stderr)')
  .showHelpAfterError('(add --help for additional information)');

const session = (cmd: Command): Session => makeSession(cmd.optsWithGlobals<GlobalOptions>());

program
  .command('boot')
  .description('Boot a new server.')
  .argument('<name>', 'Name for the new server.')
  .requiredOption('--flavor <flavor>', "Name or ID of flavor (see 'nova flavor-list').")
  .requiredOption('--image <image>', 'Name or ID of image.')
  .option('--key-name <key-name>', 'Key name of keypair that should be created earlier with the command keypair-add.')
  .option('--availability-zone <availability-zone>', 'The availability zone for server placement.')
  .option('--meta <key=value>', 'Record arbitrary key/value metadata to /meta_data.json on the metadata server. Can be specified multiple times.', collect, [])
  .option('--min-count <number>', 'Boot at least <number> servers (limited by quota).')
  .option('--max-count <number>', 'Boot up to <number> servers (limited by quota).')
  .option('--user-data <user-data>', 'User data file to pass to be exposed by the metadata server.')
  .option('--hint <key=value>', 'Send arbitrary key/value pairs to the scheduler for custom use.', collect, [])
  .option('--description <description>', 'Description for the server.')
  .option('--nic <auto|none>', 'Networking: "auto" (default from 2.37) or "none".')
  .option('--wait', 'Report the new server boot progress until it is ACTIVE (exit 1 on ERROR).')
  .addOption(new Option('--poll', 'Same as --wait (novaclient).').hideHelp())
  .action((name: string, o, cmd: Command) => boot(session(cmd), name, { ...o, wait: o.wait === true || o.poll === true }));

program
  .command('list')
  .description('List servers.')
  .option('--all-tenants', 'Display information from all tenants (Admin only).')
  .option('--status <status>', 'Search by server status.')
  .option('--name <name-regexp>', 'Search with regular expression match by name.')
  .option('--limit <limit>', 'Maximum number of servers to display (-1: all, following the pages).')
  .action((o, cmd: Command) => list(session(cmd), o));

program
  .command('show')
  .description('Show details about the given server.')
  .argument('<server>', 'Name or ID of server.')
  .action((ref: string, _o, cmd: Command) => show(session(cmd), ref));

program
  .command('delete')
  .description('Immediately shut down and delete specified server(s).')
  .argument('<server...>', 'Name or ID of server(s).')
  .option('--all-tenants', 'Delete server(s) in another tenant by name (Admin only).')
  .action((refs: string[], o, cmd: Command) => deleteServers(session(cmd), refs, o));

program
  .command('start')
  .description('Start the server(s).')
  .argument('<server...>', 'Name or ID of server(s).')
  .option('--all-tenants', 'Start server(s) in another tenant by name (Admin only).')
  .action((refs: string[], o, cmd: Command) => startServers(session(cmd), refs, o));

program
  .command('stop')
  .description('Stop the server(s).')
  .argument('<server...>', 'Name or ID of server(s).')
  .option('--all-tenants', 'Stop server(s) in another tenant by name (Admin only).')
  .action((refs: string[], o, cmd: Command) => stopServers(session(cmd), refs, o));

program
  .command('reboot')
  .description('Reboot a server.')
  .argument('<server...>', 'Name or ID of server(s).')
  .option('--hard', 'Perform a hard reboot (instead of a soft one).')
  .action((refs: string[], o, cmd: Command) => rebootServers(session(cmd), refs, o));

for (const [action, description] of Object.entries(SIMPLE_ACTIONS) as [keyof typeof SIMPLE_ACTIONS, string][]) {
  program
    .command(action)
    .description(description)
    .argument('<server>', 'Name or ID of server.')
    .action((ref: string, _o, cmd: Command) => simpleAction(session(cmd), action, ref));
}

program
  .command('lock')
  .description('Lock a server. A normal (non-admin) user will not be able to execute actions on a locked server.')
  .argument('<server>', 'Name or ID of server.')
  .option('--reason <reason>', 'Reason for locking the server (2.73+).')
  .action((ref: string, o, cmd: Command) => lock(session(cmd), ref, o));

program
  .command('console-log')
  .description('Get console log output of a server.')
  .argument('<server>', 'Name or ID of server.')
  .option('--length <length>', 'Length in lines to tail.')
  .action((ref: string, o, cmd: Command) => consoleLog(session(cmd), ref, o));

program
  .command('service-list')
  .description('Show a list of all running services. Filter by host & binary.')
  .option('--host <hostname>', 'Name of host.')
  .option('--binary <binary>', 'Service binary.')
  .action((o, cmd: Command) => serviceList(session(cmd), o));

program
  .command('hypervisor-list')
  .description('List hypervisors.')
  .option('--matching <hostname>', 'List hypervisors matching the given <hostname> (or pattern).')
  .action((o, cmd: Command) => hypervisorList(session(cmd), o));

program
  .command('hypervisor-stats')
  .description('Get hypervisor statistics over all compute nodes.')
  .action((_o, cmd: Command) => hypervisorStats(session(cmd)));

program
  .command('flavor-list')
  .description("Print a list of available 'flavors' (sizes of servers).")
  .option('--all', 'Display all flavors (Admin only).')
  .action((o, cmd: Command) => flavorList(session(cmd), o));

program
  .command('availability-zone-list')
  .description('List all the availability zones.')
  .action((_o, cmd: Command) => availabilityZoneList(session(cmd)));

program
  .command('keypair-list')
  .description('Print a list of keypairs for a user')
  .option('--user <user-id>', 'List key-pairs of specified user ID (Admin only, 2.10+).')
  .action((o, cmd: Command) => keypairList(session(cmd), o));

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
});
process.on('SIGINT', () => {
  if (process.stdout.isTTY) process.stdout.write('\x1b[?25h\n'); // a progress bar may have hidden the cursor
  process.stderr.write('... terminating nova client\n');
  process.exit(130);
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  process.stderr.write(`${formatError(e)}\n`);
  if (process.env.NOVA_TRACEBACK === '1' && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exitCode = 1;
}
