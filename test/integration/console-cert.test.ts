import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority, caPaths } from '../../src/cert/ca.ts';
import { ApiClient, type Cloud, startCloud } from '../support/cloud.ts';

type CertBody = { certificate: { data: string; private_key: string | null } };

/** nova-cert through the API: the root CA and an issued certificate verify against each other. */
describe('nova-cert and os-certificates', () => {
  let cloud: Cloud;
  let api: ApiClient;
  before(async () => {
    cloud = await startCloud();
    api = new ApiClient(cloud.url, 'alice:project-one');
  });
  after(() => cloud.stop());

  it("serves the root CA and signs a new key's certificate for the caller", async () => {
    const root = await api.get<CertBody>('/os-certificates/root');
    assert.equal(root.status, 200);
    assert.equal(root.body.certificate.private_key, null);
    const ca = new X509Certificate(root.body.certificate.data);
    assert.ok(ca.ca, 'the root is a CA certificate');
    assert.ok(ca.verify(ca.publicKey), 'self-signed');

    const issued = await api.post<CertBody>('/os-certificates', {});
    assert.equal(issued.status, 200, 'Nova answered 200 (not 201) here');
    const { data, private_key } = issued.body.certificate;
    assert.match(String(private_key), /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const cert = new X509Certificate(data);
    assert.ok(cert.verify(ca.publicKey), 'signed by the CA');
    assert.ok(cert.checkIssued(ca));
    assert.ok(!cert.ca);
    assert.match(cert.subject, /CN=project-one-alice-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    const pub = (k: ReturnType<typeof createPublicKey>) => k.export({ type: 'spki', format: 'der' }).toString('hex');
    assert.equal(pub(createPublicKey(createPrivateKey(String(private_key)))), pub(cert.publicKey), 'the key belongs to the certificate');
  });

  it('keeps the CA key private under state_path, and the same CA across restarts', async () => {
    const p = caPaths(cloud.conf.DEFAULT.state_path);
    assert.equal(fs.statSync(p.key).mode & 0o777, 0o600);
    assert.equal(fs.statSync(path.dirname(p.key)).mode & 0o777, 0o700);
    const root = await api.get<CertBody>('/os-certificates/root');
    const again = await CertificateAuthority.open(cloud.conf.DEFAULT.state_path);
    assert.equal(again.rootPem, root.body.certificate.data);
    const body = JSON.stringify(root.body) + JSON.stringify((await api.post<CertBody>('/os-certificates', {})).body);
    assert.ok(!body.includes(fs.readFileSync(p.key, 'utf8').split('\n')[1] as string), 'the CA key never leaves nova-cert');
  });

  it('answers 501 for anything but the root certificate', async () => {
    const r = await api.get<Record<string, { message: string }>>('/os-certificates/other');
    assert.equal(r.status, 501);
    assert.equal(r.body.notImplemented?.message, 'Only root certificate can be retrieved.');
  });
});
