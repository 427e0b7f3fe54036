import { requestedVersion } from './apiversion.ts';
import { makeAuth } from './auth.ts';
import { ComputeClient } from './http.ts';

/** Where a command prints. */
export interface Output {
  /** The stream results go to (stdout). */
  readonly stream: NodeJS.WriteStream;
  /** Print a line (or a table) on stdout. */
  print(text: string): void;
  /** Print a line on stderr. */
  warn(text: string): void;
}

/** What every command gets: the REST client and the output. */
export interface Session {
  readonly client: ComputeClient;
  readonly out: Output;
}

/** The global options, as commander hands them over (camelCase). */
export interface GlobalOptions {
  osComputeApiVersion?: string;
  osEndpointOverride?: string;
  osToken?: string;
  osAuthUrl?: string;
  osUsername?: string;
  osPassword?: string;
  osProjectName?: string;
  osProjectId?: string;
  osUserDomainName?: string;
  osProjectDomainName?: string;
  osRegionName?: string;
  osInterface?: string;
  timeout?: string;
  debug?: boolean;
}

/** stdout/stderr as an {@link Output}. */
export function processOutput(): Output {
  return {
    stream: process.stdout,
    print: (text) => void process.stdout.write(`${text}\n`),
    warn: (text) => void process.stderr.write(`${text}\n`),
  };
}

const first = (...values: (string | undefined)[]): string | undefined => values.find((v) => v !== undefined && v !== '');

/** Build the session from the global options, each falling back to its OS_* variable as novaclient's. */
export function makeSession(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env, out: Output = processOutput()): Session {
  const auth = makeAuth({
    token: first(g.osToken, env.OS_TOKEN),
    endpoint: first(g.osEndpointOverride, env.NOVA_ENDPOINT, env.OS_COMPUTE_URL, env.OS_ENDPOINT_OVERRIDE),
    authUrl: first(g.osAuthUrl, env.OS_AUTH_URL),
    username: first(g.osUsername, env.OS_USERNAME),
    password: first(g.osPassword, env.OS_PASSWORD),
    projectName: first(g.osProjectName, env.OS_PROJECT_NAME, env.OS_TENANT_NAME),
    projectId: first(g.osProjectId, env.OS_PROJECT_ID, env.OS_TENANT_ID),
    userDomainName: first(g.osUserDomainName, env.OS_USER_DOMAIN_NAME),
    userDomainId: first(env.OS_USER_DOMAIN_ID),
    projectDomainName: first(g.osProjectDomainName, env.OS_PROJECT_DOMAIN_NAME),
    projectDomainId: first(env.OS_PROJECT_DOMAIN_ID),
    regionName: first(g.osRegionName, env.OS_REGION_NAME),
    interface: first(g.osInterface, env.OS_INTERFACE, env.OS_ENDPOINT_TYPE),
  });
  const timeout = Number(first(g.timeout, env.OS_TIMEOUT) ?? 0);
  const client = new ComputeClient(auth, {
    version: requestedVersion(first(g.osComputeApiVersion, env.OS_COMPUTE_API_VERSION)),
    timeoutSeconds: Number.isFinite(timeout) && timeout > 0 ? timeout : 0,
    debug: g.debug ? process.stderr : null,
  });
  return { client, out };
}
