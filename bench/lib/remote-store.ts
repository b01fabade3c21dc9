/**
 * The DAG benchmark's remote store behind the emulated link (R5), started and stopped here.
 *
 * - `netns`: the store process (bench/lib/remote-store-main.ts) runs inside a namespace of its own
 *   (bench/lib/netns.ts), reached at 198.18.0.2 over a veth pair shaped by tbf; its relay adds the
 *   delay. Used whenever `ip netns add` works (root).
 * - `token-bucket`: where `ip netns add` is refused, the same process runs on loopback and its
 *   relay shapes both directions with token buckets (bench/lib/token-bucket.ts): every store
 *   client (each container's fetches) goes through that one shaped link, as through the veth.
 *
 * Either way the store is torn down by `stop()`, and by SIGINT/SIGTERM (`stopOnSignals`).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  DEFAULT_ADDRESSES,
  namesFor,
  removeStale,
  setUp,
  teardown,
  teardownSync,
  type LinkAddresses,
  type NamespaceNames,
} from './netns.js';
import { stopChild } from '../../src/platform/stop-child.js';

export type NetworkKind = 'netns' | 'token-bucket';

export interface LinkSettings {
  /** Per direction, bytes per second. */
  readonly rateBytesPerSecond: number;
  /** Round trip added to every exchange, ms (0 = no delay). */
  readonly rttMs: number;
}

export interface RemoteStoreOptions extends LinkSettings {
  /** `auto`: netns when `ip netns add` works, else the token bucket. */
  readonly network: NetworkKind | 'auto';
  readonly addresses?: LinkAddresses;
  /** Distinguishes two stores of one process (tests); 0-2 lowercase letters. */
  readonly tag?: string;
}

export interface RemoteStore {
  readonly kind: NetworkKind;
  /** CouchDB URL of the store, as the containers reach it. */
  readonly url: string;
  /** The probe server behind the same link (GET /bytes/N, PUT /sink). */
  readonly probeUrl: string;
  /** The probe on the same path through a relay that adds no delay and no rate. */
  readonly directProbeUrl: string;
  readonly settings: LinkSettings;
  /** Why netns was not used (the `ip netns add` error), when it was not. */
  readonly fallbackReason?: string;
  /** The namespace's names (netns only). */
  readonly names?: NamespaceNames;
  stop(): Promise<void>;
}

const helper = fileURLToPath(new URL('./remote-store-main.ts', import.meta.url));

function helperArgs(listenHost: string, settings: LinkSettings, shapeHere: boolean): string[] {
  return [
    '--listen-host',
    listenHost,
    '--delay-ms',
    String(settings.rttMs / 2),
    '--rate-bytes',
    String(shapeHere ? settings.rateBytesPerSecond : 0),
    // Same burst as tbf's (4 ms of traffic, at least 64 KiB).
    '--burst-bytes',
    String(Math.max(64 * 1024, Math.round(settings.rateBytesPerSecond * 0.004))),
  ];
}

/** Waits for the helper's `{ready}` message; rejects if it exits first or takes over 60 s. */
interface Ports {
  storePort: number;
  probePort: number;
  directProbePort: number;
}

function ready(child: ChildProcess): Promise<Ports> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the remote store did not start within 60 s')), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(
        new Error(`the remote store exited with code ${code} before it was ready (its line above says why)`),
      );
    });
    child.on('message', (m: Ports & { ready?: boolean }) => {
      if (!m?.ready) return;
      clearTimeout(timer);
      resolve(m);
    });
  });
}

const execArgv = ['--import', 'tsx'];

export async function startRemoteStore(options: RemoteStoreOptions): Promise<RemoteStore> {
  const settings = { rateBytesPerSecond: options.rateBytesPerSecond, rttMs: options.rttMs };
  let fallbackReason: string | undefined;
  if (options.network !== 'token-bucket') {
    await removeStale();
    const names = namesFor(process.pid, options.tag);
    const addresses = options.addresses ?? DEFAULT_ADDRESSES;
    // Our own names too: a killed run whose pid this process now has left them behind.
    await teardown(names);
    try {
      await setUp(names, addresses, settings.rateBytesPerSecond);
    } catch (error) {
      // Only a refused `ip netns add` (not root) means "no namespaces here" (R5); anything else
      // (the range taken by a live run, tc missing) is a fault to report, not to hide.
      const message = (error as Error).message;
      if (options.network === 'netns' || !message.startsWith('ip netns add ')) throw error;
      fallbackReason = message;
    }
    if (fallbackReason === undefined) {
      let child: ChildProcess | undefined;
      try {
        child = spawn(
          'ip',
          [
            'netns',
            'exec',
            names.namespace,
            process.execPath,
            ...execArgv,
            helper,
            ...helperArgs(addresses.namespace, settings, false),
          ],
          { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        );
        const ports = await ready(child);
        const running = child;
        return {
          kind: 'netns',
          url: `http://${addresses.namespace}:${ports.storePort}`,
          probeUrl: `http://${addresses.namespace}:${ports.probePort}`,
          directProbeUrl: `http://${addresses.namespace}:${ports.directProbePort}`,
          settings,
          names,
          stop: async () => {
            await stopChild(running, 'SIGTERM', 5000);
            await teardown(names);
          },
        };
      } catch (error) {
        if (child) await stopChild(child, 'SIGTERM', 5000);
        await teardown(names);
        throw error;
      }
    }
  }
  const child = fork(helper, helperArgs('127.0.0.1', settings, true), {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  try {
    const ports = await ready(child);
    return {
      kind: 'token-bucket',
      url: `http://127.0.0.1:${ports.storePort}`,
      probeUrl: `http://127.0.0.1:${ports.probePort}`,
      directProbeUrl: `http://127.0.0.1:${ports.directProbePort}`,
      settings,
      ...(fallbackReason !== undefined ? { fallbackReason } : {}),
      stop: () => stopChild(child, 'SIGTERM', 5000),
    };
  } catch (error) {
    await stopChild(child, 'SIGTERM', 5000);
    throw error;
  }
}

/**
 * On SIGINT/SIGTERM: removes the namespace synchronously (the store process dies with its IPC
 * channel) and exits 130/143. Returns a function that removes the handlers.
 */
export function stopOnSignals(store: RemoteStore): () => void {
  const handler = (signal: NodeJS.Signals) => {
    if (store.names) teardownSync(store.names);
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
