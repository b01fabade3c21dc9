/**
 * The routes an app serves, read from express's own router stack (R20: the fuzzer takes its
 * routes from here, so a route mounted tomorrow is fuzzed without anyone listing it). Routers
 * mounted with `app.use(router)` are walked; their routes' paths are absolute in this API.
 */
import type { Express } from 'express';

export interface RouteEntry {
  /** The path as mounted, in express 5 syntax (`/api/v1/namespaces/:ns/actions/:name`). */
  readonly path: string;
  /** Upper-case methods; `ALL` when the route answers every method (405s included). */
  readonly methods: readonly string[];
}

interface LayerLike {
  route?: { path?: unknown; methods?: Record<string, boolean> };
  handle?: { stack?: unknown };
}

export function routeTable(app: Express): RouteEntry[] {
  const table = new Map<string, Set<string>>();
  const walk = (stack: readonly LayerLike[]): void => {
    for (const layer of stack) {
      const route = layer.route;
      if (route) {
        for (const path of [route.path].flat()) {
          if (typeof path !== 'string') continue;
          const methods = table.get(path) ?? new Set<string>();
          for (const [method, on] of Object.entries(route.methods ?? {}))
            if (on) methods.add(method === '_all' ? 'ALL' : method.toUpperCase());
          table.set(path, methods);
        }
      } else if (Array.isArray(layer.handle?.stack)) {
        walk(layer.handle.stack as LayerLike[]);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack);
  return [...table].map(([path, methods]) => ({ path, methods: [...methods] }));
}
