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

export function listen(handler: RequestListener, port: number, host: string): Promise<Server> {
  const server = createServer(handler);
  return new Promise((resolve, reject) => {
    const onError = (error: unknown) => reject(listenError(error, port, host));
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server);
    });
  });
}

/**
 * Fails at once, before anything else starts, when the port is taken (a second `npm start`), rather
 * than after CouchDB and Kafka are up. Racy by nature: `listen` still reports a port lost meanwhile.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const probe = await listen(() => undefined, port, host);
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
