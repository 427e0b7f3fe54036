/**
 * nova-cert's certificate authority: an RSA 2048 key and a self-signed CA
 * certificate under `$state_path/CA/` (cacert.pem, private/cakey.pem, as
 * Nova's crypto module laid them out), created on first start. The key
 * file is mode 0600 in a 0700 directory and is never sent anywhere: only
 * certificates signed with it leave this module.
 */
import 'reflect-metadata';
import { createPrivateKey, randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { CertError, CryptoCAFileNotFound } from '../exception/console.ts';

type WebCrypto = Parameters<typeof x509.cryptoProvider.set>[0];
x509.cryptoProvider.set(webcrypto as unknown as WebCrypto);

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY_MS = 86_400_000;

/** A new key and certificate for a user, both PEM (Nova's generate_x509_cert result). */
export interface IssuedCertificate {
  private_key: string;
  certificate: string;
}

/** Paths of the CA files under a state directory. */
export function caPaths(statePath: string): { dir: string; cert: string; key: string } {
  const dir = path.join(statePath, 'CA');
  return { dir, cert: path.join(dir, 'cacert.pem'), key: path.join(dir, 'private', 'cakey.pem') };
}

/** A positive random serial number, hex. */
function serial(): string {
  const b = randomBytes(16);
  b[0] = (b[0] as number) & 0x7f;
  return b.toString('hex');
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/** Nova's user_cert_subject: /C=US/ST=California/O=OpenStack/OU=NovaDev/CN=%.16s-%.16s-%s (project, user, time). */
export function userCommonName(projectId: string, userId: string, now: Date = new Date()): string {
  return `${projectId.slice(0, 16)}-${userId.slice(0, 16)}-${now.toISOString().replace(/\.\d+Z$/, 'Z')}`;
}

/** The CA: loads or creates its files, signs user certificates. */
export class CertificateAuthority {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly key: webcrypto.CryptoKey,
  ) {}

  /** Load the CA of `statePath`, creating it the first time. */
  static async open(statePath: string): Promise<CertificateAuthority> {
    const p = caPaths(statePath);
    if (!fs.existsSync(p.cert) && !fs.existsSync(p.key)) await CertificateAuthority.create(p);
    let certPem: string;
    let keyPem: string;
    try {
      certPem = fs.readFileSync(p.cert, 'utf8');
      keyPem = fs.readFileSync(p.key, 'utf8');
    } catch (e) {
      throw new CryptoCAFileNotFound(`The CA file for ${statePath} could not be found: ${(e as Error).message}`);
    }
    const der = createPrivateKey(keyPem).export({ type: 'pkcs8', format: 'der' });
    const key = await webcrypto.subtle.importKey('pkcs8', der, RSA, false, ['sign']);
    return new CertificateAuthority(new x509.X509Certificate(certPem), key);
  }

  private static async create(p: { dir: string; cert: string; key: string }): Promise<void> {
    fs.mkdirSync(path.dirname(p.key), { recursive: true, mode: 0o700 });
    fs.chmodSync(path.dirname(p.key), 0o700);
    const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const now = Date.now();
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: serial(),
      name: [{ C: ['US'] }, { ST: ['California'] }, { O: ['OpenStack'] }, { OU: ['NovaDev'] }, { CN: ['nova-cert CA'] }],
      notBefore: new Date(now - 60_000),
      notAfter: new Date(now + 3650 * DAY_MS),
      signingAlgorithm: RSA,
      keys: keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    const keyPem = pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    try {
      fs.writeFileSync(p.key, keyPem, { mode: 0o600, flag: 'wx' });
      fs.writeFileSync(p.cert, cert.toString('pem'), { mode: 0o644, flag: 'wx' });
    } catch (e) {
      // Another nova-cert created it at the same moment: use theirs.
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw new CertError(`cannot create the CA under ${p.dir}: ${(e as Error).message}`);
    }
  }

  /** The root certificate, PEM (Nova's fetch_ca). */
  get rootPem(): string {
    return this.cert.toString('pem');
  }

  /** A new RSA key and a certificate for it signed by the CA, valid one year (Nova's generate_x509_cert). */
  async issue(userId: string, projectId: string, now: Date = new Date()): Promise<IssuedCertificate> {
    const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: [{ C: ['US'] }, { ST: ['California'] }, { O: ['OpenStack'] }, { OU: ['NovaDev'] }, { CN: [userCommonName(projectId, userId, now)] }],
      issuer: this.cert.subjectName,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 365 * DAY_MS),
      signingAlgorithm: RSA,
      publicKey: keys.publicKey,
      signingKey: this.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert.publicKey),
      ],
    });
    const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs1', format: 'pem' }).toString();
    return { private_key: privateKey, certificate: cert.toString('pem') };
  }

  /**
   * A key and a server certificate (TLS for the API and the console proxies)
   * signed by the CA, for a host name and the names/addresses it answers on.
   */
  async issueServer(commonName: string, altNames: readonly string[], now: Date = new Date()): Promise<IssuedCertificate> {
    const keys = (await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
    const names = [...new Set([commonName, ...altNames])].map((n) => ({ type: /^[\d.]+$|:/.test(n) ? ('ip' as const) : ('dns' as const), value: n }));
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject: [{ O: ['OpenStack'] }, { OU: ['Nova'] }, { CN: [commonName] }],
      issuer: this.cert.subjectName,
      notBefore: new Date(now.getTime() - 60_000),
      notAfter: new Date(now.getTime() + 365 * DAY_MS),
      signingAlgorithm: RSA,
      publicKey: keys.publicKey,
      signingKey: this.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(names),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert.publicKey),
      ],
    });
    const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
    const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
    return { private_key: privateKey, certificate: cert.toString('pem') };
  }
}
