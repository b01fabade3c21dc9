/**
 * An invoker process's `/metrics` (PALETTE_INVOKER_METRICS_PORT): palette_invoker_stage_seconds and
 * the process's default metrics. Anything else is a 404. Loopback only, as the REST API by default.
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

export function serveInvokerMetrics(registry: Registry, port: number, host = '127.0.0.1'): Promise<Server> {
  collectDefaultMetrics({ register: registry, prefix: 'palette_invoker_' });
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found","code":0}');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500).end(String(err)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.unref();
      resolve(server);
    });
  });
}

export { Registry };
