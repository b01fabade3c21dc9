/**
 * Starts the REST API's HTTP server and resolves once it listens. A port in use, a port that needs
 * privileges or an address this machine does not have is a StartError naming PALETTE_PORT or
 * PALETTE_HOST (R26), not a TypeError from reading the address of a server that never listened.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { StartError } from './cli.js';

export function listenError(error: unknown, port: number, host: string): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') return new StartError(`port ${port} is in use; set PALETTE_PORT to a free port`);
  if (code === 'EACCES')
    return new StartError(`port ${port} needs privileges; set PALETTE_PORT to a port above 1023`);
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return new StartError(`cannot listen on ${host}: not an address of this machine; set PALETTE_HOST`);
  return error;
}

/** Something that listens as express's `app.listen` does (the API's own adds the invoke fast path). */
export interface Listenable {
  listen(port: number, host: string, callback: (error?: Error) => void): Server;
}

/** A bare request handler as a Listenable (its server emits listen errors; it never calls back with one). */
export function plainListenable(handler: RequestListener): Listenable {
  return { listen: (port, host, callback) => createServer(handler).listen(port, host, () => callback()) };
}

/**
 * Listens through the app's own `listen` (the API's adds the fast invoke path, the client-error
 * replies and the first-byte stamps), answering a port in use and the like as one line (R26).
 */
export function listen(app: Listenable, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    let server: Server | undefined = undefined;
    const onError = (error: unknown) => reject(listenError(error, port, host));
    // express 5 (and the API's listen) call back with the error too; a plain server only emits it.
    server = app.listen(port, host, (error?: Error) => {
      server?.off('error', onError);
      if (error) onError(error);
      else resolve(server!);
    });
    server.once('error', onError);
  });
}

/**
 * Fails at once, before anything else starts, when the port is taken (a second `npm start`), rather
 * than after CouchDB and Kafka are up. Racy by nature: `listen` still reports a port lost meanwhile.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = await listen(
    plainListenable(() => undefined),
    port,
    host,
  );
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
