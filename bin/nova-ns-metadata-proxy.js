#!/usr/bin/env node
// nova-ns-metadata-proxy: the metadata proxy of one network, run by the
// network agent's DHCP role inside the network's qdhcp-<network> namespace
// (as Neutron's haproxy there). It listens on 169.254.169.254:80, sets
// X-Forwarded-For to the guest's address and X-Neutron-Network-ID to its
// network (dropping whatever the guest sent of those and of the signed
// X-Instance-ID headers) and passes the request to the agent over its unix
// socket, which is not bound to a network namespace. Node built-ins only: it
// outlives the agent (as dnsmasq does), and answers 503 while the agent is
// away.
//
//   nova-ns-metadata-proxy --network-id ID --socket PATH --pid-file PATH [--bind-address A] [--port N]
import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    'network-id': { type: 'string' },
    socket: { type: 'string' },
    'pid-file': { type: 'string' },
    'bind-address': { type: 'string', default: '169.254.169.254' },
    port: { type: 'string', default: '80' },
  },
});
const networkId = values['network-id'];
const socketPath = values.socket;
const pidFile = values['pid-file'];
if (!networkId || !socketPath || !pidFile) {
  process.stderr.write('nova-ns-metadata-proxy: --network-id, --socket and --pid-file are required\n');
  process.exit(2);
}

const DROPPED = ['x-forwarded-for', 'x-neutron-network-id', 'x-neutron-router-id', 'x-instance-id', 'x-tenant-id', 'x-instance-id-signature', 'connection', 'keep-alive'];

function plain(res, status, text) {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const headers = { ...req.headers };
  for (const h of DROPPED) delete headers[h];
  headers['x-forwarded-for'] = String(req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
  headers['x-neutron-network-id'] = networkId;
  const upstream = http.request({ socketPath, path: req.url, method: req.method, headers, timeout: 60_000 }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  upstream.on('timeout', () => upstream.destroy(new Error('timeout')));
  upstream.on('error', (e) => {
    process.stderr.write(`${new Date().toISOString()} ${req.method} ${req.url}: the agent did not answer: ${e.message}\n`);
    plain(res, 503, 'The metadata proxy cannot reach the network agent.\n');
  });
  req.pipe(upstream);
});
server.requestTimeout = 60_000;
server.on('error', (e) => {
  process.stderr.write(`nova-ns-metadata-proxy: ${e.message}\n`);
  process.exit(1);
});
server.listen(Number(values.port), values['bind-address'], () => {
  fs.writeFileSync(pidFile, `${process.pid}\n`);
  process.stderr.write(`${new Date().toISOString()} listening on ${values['bind-address']}:${values.port} for network ${networkId}\n`);
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
