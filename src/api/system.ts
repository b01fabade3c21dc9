/**
 * Operational routes outside the OpenWhisk API: `/ping` (liveness: answers as soon as the process
 * listens, before Kafka or CouchDB are reachable), `/ready` (503 until the core can place work),
 * `/metrics` (prom-client) and OpenWhisk's admin views `/invokers` and `/invokers/healthy/count`.
 * Also the unauthenticated API info `GET /api/v1` that `wsk property get` reads.
 */
import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';
import type { ControllerCore, InvokerHealthEntry } from '../controller/types.js';
import { sendError } from './errors.js';
import { tidOf } from './context.js';

/** OpenWhisk's InvokerState names as `/invokers` shows them (InvokerSupervision.scala asString). */
export const shownStatus = {
  healthy: 'up',
  unhealthy: 'unhealthy',
  unresponsive: 'unresponsive',
  offline: 'down',
} as const;

/** `invoker<N>` plus the unique name, as OpenWhisk's InvokerInstanceId.toString. */
export function invokerLabel(entry: InvokerHealthEntry): string {
  const base = `invoker${entry.id}`;
  if (!entry.name || entry.name === base || entry.name.startsWith(`${base}/`)) return entry.name || base;
  return `${base}/${entry.name}`;
}

export function systemRoutes(core: ControllerCore, registry: Registry, build: string) {
  return {
    ping(_req: Request, res: Response): void {
      res.type('text/plain').send('pong');
    },
    ready(_req: Request, res: Response): void {
      if (core.isReady()) res.json({ ready: true });
      else sendError(res, 503, 'The controller is not ready.', tidOf(res));
    },
    async metrics(_req: Request, res: Response): Promise<void> {
      const text = await registry.metrics();
      res.type(registry.contentType).send(text);
    },
    invokers(_req: Request, res: Response): void {
      const view: Record<string, string> = {};
      for (const entry of core.invokerHealth()) view[invokerLabel(entry)] = shownStatus[entry.status];
      res.json(view);
    },
    healthyCount(_req: Request, res: Response): void {
      res.json(core.invokerHealth().filter((e) => e.status === 'healthy').length);
    },
    info(_req: Request, res: Response): void {
      res.json({
        description: 'OpenWhisk API',
        api_version: '1.0.0',
        api_version_path: 'v1',
        build,
        buildno: build,
        swagger_paths: { ui: '/docs', 'api-docs': '/api/v1/api-docs' },
      });
    },
    root(_req: Request, res: Response): void {
      res.json({ api_paths: ['/api/v1'], description: 'OpenWhisk (Palette controller)' });
    },
  };
}
