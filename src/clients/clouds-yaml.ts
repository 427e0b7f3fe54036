/** Ready-made client configuration for given credentials: a clouds.yaml and an openrc. */

export interface ClientCredentials {
  /** e.g. http://10.0.0.5:5000/v3 */
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  userDomainName?: string;
  projectDomainName?: string;
  regionName?: string;
  /** The cloud's name in clouds.yaml (`openstack --os-cloud <name>`). */
  cloudName?: string;
}

/** A YAML scalar that is always read back as this exact string (JSON strings are valid YAML). */
const yamlString = (s: string): string => JSON.stringify(s);

/** A shell word in single quotes. */
const shellWord = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** clouds.yaml (os-client-config) with one cloud. */
export function renderCloudsYaml(c: ClientCredentials): string {
  return [
    'clouds:',
    `  ${yamlString(c.cloudName ?? 'nova-ts')}:`,
    '    auth:',
    `      auth_url: ${yamlString(c.authUrl)}`,
    `      username: ${yamlString(c.username)}`,
    `      password: ${yamlString(c.password)}`,
    `      project_name: ${yamlString(c.projectName)}`,
    `      user_domain_name: ${yamlString(c.userDomainName ?? 'Default')}`,
    `      project_domain_name: ${yamlString(c.projectDomainName ?? 'Default')}`,
    `    region_name: ${yamlString(c.regionName ?? 'RegionOne')}`,
    '    interface: "public"',
    '    identity_api_version: 3',
    '',
  ].join('\n');
}

/** An openrc to `source` (OS_* variables for the openstack and nova clients). */
export function renderOpenrc(c: ClientCredentials): string {
  const vars: [string, string][] = [
    ['OS_AUTH_URL', c.authUrl],
    ['OS_USERNAME', c.username],
    ['OS_PASSWORD', c.password],
    ['OS_PROJECT_NAME', c.projectName],
    ['OS_USER_DOMAIN_NAME', c.userDomainName ?? 'Default'],
    ['OS_PROJECT_DOMAIN_NAME', c.projectDomainName ?? 'Default'],
    ['OS_REGION_NAME', c.regionName ?? 'RegionOne'],
    ['OS_INTERFACE', 'public'],
    ['OS_IDENTITY_API_VERSION', '3'],
  ];
  return `${vars.map(([k, v]) => `export ${k}=${shellWord(v)}`).join('\n')}\n`;
}

/** Both files at once. */
export function renderClientConfig(c: ClientCredentials): { cloudsYaml: string; openrc: string } {
  return { cloudsYaml: renderCloudsYaml(c), openrc: renderOpenrc(c) };
}
