/**
 * os-certificates (Nova's x509 certificates API, removed from Nova in Pike;
 * kept here with its last shape): GET /os-certificates/root answers the CA
 * certificate, POST /os-certificates a new key and a certificate for the
 * caller signed by nova-cert's CA. Both answer 200, as Nova did.
 */
import type { CertAPI } from '../../cert/rpc-types.ts';
import { HttpError } from '../errors.ts';
import { type ApiRequest, type ApiRequestOf, type ApiResponse, ok, type Route, route } from '../types.ts';

function certificateView(data: string, privateKey: string | null): Record<string, unknown> {
  return { certificate: { data, private_key: privateKey } };
}

async function show(cert: CertAPI, req: ApiRequestOf<'id'>): Promise<ApiResponse> {
  if (req.params.id !== 'root') throw new HttpError(501, 'Only root certificate can be retrieved.');
  const pem = await cert.fetch_ca(req.ctx, { project_id: req.ctx.project_id });
  return ok(certificateView(pem, null));
}

async function create(cert: CertAPI, req: ApiRequest): Promise<ApiResponse> {
  if (!req.ctx.user_id || !req.ctx.project_id) throw new HttpError(400, 'A certificate needs a user and a project in the request context.');
  const issued = await cert.generate_x509_cert(req.ctx, { user_id: req.ctx.user_id, project_id: req.ctx.project_id });
  return ok(certificateView(issued.certificate, issued.private_key));
}

/** The os-certificates resource; absent when nova-api is wired without nova-cert. */
export function certificatesRoutes(cert: CertAPI | undefined): Route[] {
  if (!cert) return [];
  return [
    route({ method: 'GET', path: '/os-certificates/:id', handler: (r) => show(cert, r), policy: 'os_compute_api:os-certificates:show' }),
    route({ method: 'POST', path: '/os-certificates', handler: (r) => create(cert, r), policy: 'os_compute_api:os-certificates:create' }),
  ];
}
