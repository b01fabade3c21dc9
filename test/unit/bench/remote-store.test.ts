/**
 * The DAG benchmark's emulated network (bench/lib/remote-store.ts, netns.ts): set up, used and
 * torn down leaving nothing behind. As root it builds a real namespace (on 198.18.0.4/30, so it
 * never meets a benchmark running on 198.18.0.0/30); where `ip netns add` is refused the same
 * test runs the token-bucket fallback instead, and checks that it shapes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { judgeLink } from '../../../bench/lib/link-check.js';
import {
  creatorOf,
  namesFor,
  removeStale,
  setUp,
  setupCommands,
  tbfArgs,
  teardown,
} from '../../../bench/lib/netns.js';
import { startRemoteStore, type RemoteStore } from '../../../bench/lib/remote-store.js';

const TEST_ADDRESSES = { host: '198.18.0.5', namespace: '198.18.0.6', prefixLength: 30 };
const namespaces = () => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
const links = () => execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
const canAddNamespaces = (() => {
  const probe = `palette-dag-probe-${process.pid}`;
  const added = spawnSync('ip', ['netns', 'add', probe], { stdio: 'ignore' }).status === 0;
  if (added) spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return added;
})();

const started: RemoteStore[] = [];
afterAll(async () => {
  for (const store of started) await store.stop();
});

describe('netns command lists', () => {
  it('name everything after the pid, shape both veth ends, and fit interface names in 15 characters', () => {
    const names = namesFor(1234567, 'ab');
    expect(names).toEqual({
      namespace: 'palette-dag-1234567-ab',
      hostInterface: 'pdag1234567abh',
      namespaceInterface: 'pdag1234567abn',
    });
    expect(creatorOf(names.namespace)).toBe(1234567);
    expect(creatorOf(names.hostInterface)).toBe(1234567);
    expect(creatorOf('eth0')).toBeUndefined();
    expect(() => namesFor(1, 'abc')).toThrow(/tag/);
    const commands = setupCommands(names, TEST_ADDRESSES, 8 * 2 ** 20);
    const tc = commands.filter((c) => c.command === 'tc');
    expect(
      tc.map((c) => c.args.includes(names.hostInterface) || c.args.includes(names.namespaceInterface)),
    ).toEqual([true, true]);
    expect(
      commands.some(
        (c) =>
          c.args.join(' ') === `-n ${names.namespace} addr add 198.18.0.6/30 dev ${names.namespaceInterface}`,
      ),
    ).toBe(true);
    expect(setupCommands(names, TEST_ADDRESSES, 0).some((c) => c.command === 'tc')).toBe(false);
  });

  it('set tbf above the payload rate by the TCP/IP frame overhead, with a burst of 4 ms (>= 64 KiB)', () => {
    const args = tbfArgs('x', 64 * 2 ** 20);
    expect(args[args.indexOf('rate') + 1]).toBe(`${Math.round(64 * 2 ** 20 * (1514 / 1448) * 8)}bit`);
    expect(Number(args[args.indexOf('burst') + 1])).toBe(Math.round(64 * 2 ** 20 * 0.004));
    expect(Number(tbfArgs('x', 1000)[tbfArgs('x', 1000).indexOf('burst') + 1])).toBe(65536);
  });
});

describe('link check', () => {
  const settings = { rateBytesPerSecond: 1000, rttMs: 10 };
  const measured = {
    downBytesPerSecond: 950,
    upBytesPerSecond: 1080,
    rttMs: 10.9,
    rttRelayMs: 11.5,
    rttDirectMs: 0.6,
    transferBytes: 1,
  };
  it('accepts measurements within 10% and names each one that is not', () => {
    expect(judgeLink(measured, settings)).toEqual([]);
    const problems = judgeLink({ ...measured, upBytesPerSecond: 1200, rttMs: 12 }, settings);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^upload rate/);
    expect(problems[1]).toMatch(/^round trip 12.00 ms/);
    expect(judgeLink({ ...measured, rttMs: 0.4 }, { ...settings, rttMs: 0 })).toEqual([]);
  });
});

describe(`remote store behind the emulated link (${canAddNamespaces ? 'netns: running as root' : 'token-bucket fallback: ip netns add is refused here'})`, () => {
  it('serves CouchDB through a shaped link and leaves nothing behind when stopped', async () => {
    const rate = 4 * 2 ** 20;
    const store = await startRemoteStore({
      network: 'auto',
      rateBytesPerSecond: rate,
      rttMs: 4,
      addresses: TEST_ADDRESSES,
      tag: 't',
    });
    started.push(store);
    expect(store.kind).toBe(canAddNamespaces ? 'netns' : 'token-bucket');
    if (store.kind === 'netns') {
      expect(store.url).toMatch(/^http:\/\/198\.18\.0\.6:\d+$/);
      expect(namespaces()).toContain(store.names!.namespace);
      expect(links()).toContain(store.names!.hostInterface);
      expect(
        execFileSync('tc', ['qdisc', 'show', 'dev', store.names!.hostInterface], { encoding: 'utf8' }),
      ).toMatch(/tbf/);
      // A second run on the same range is refused, not built beside the first.
      await expect(
        startRemoteStore({
          network: 'auto',
          rateBytesPerSecond: rate,
          rttMs: 4,
          addresses: TEST_ADDRESSES,
          tag: 'v',
        }),
      ).rejects.toThrow(/198\.18\.0\.5 is already in use/);
      expect(namespaces()).not.toContain(namesFor(process.pid, 'v').namespace);
    } else {
      expect(store.fallbackReason).toMatch(/netns add/);
    }
    expect((await fetch(`${store.url}/dag_test`, { method: 'PUT' })).status).toBe(201);
    // 2 MiB at 4 MiB/s cannot take less than about 0.5 s minus the 4 ms burst, however idle the machine.
    const began = Date.now();
    const body = await (await fetch(`${store.probeUrl}/bytes/${2 * 2 ** 20}`)).arrayBuffer();
    expect(body.byteLength).toBe(2 * 2 ** 20);
    expect(Date.now() - began).toBeGreaterThanOrEqual(400);

    await store.stop();
    started.pop();
    if (store.names) {
      expect(namespaces()).not.toContain(store.names.namespace);
      expect(links()).not.toContain(store.names.hostInterface);
    }
    await expect(fetch(`${store.url}/`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });

  it(
    canAddNamespaces
      ? 'removes a namespace left by a killed run at the next start'
      : 'says netns is unavailable when asked for it explicitly',
    async () => {
      if (!canAddNamespaces) {
        await expect(
          startRemoteStore({
            network: 'netns',
            rateBytesPerSecond: 1e6,
            rttMs: 0,
            addresses: TEST_ADDRESSES,
            tag: 'u',
          }),
        ).rejects.toThrow(/netns add/);
        return;
      }
      const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
      const pid = Number(dead.stdout.trim());
      const names = namesFor(pid, 's');
      await setUp(names, { host: '198.18.0.9', namespace: '198.18.0.10', prefixLength: 30 }, 1e6);
      try {
        expect(namespaces()).toContain(names.namespace);
        expect(await removeStale()).toContain(names.namespace);
        expect(namespaces()).not.toContain(names.namespace);
        expect(links()).not.toContain(names.hostInterface);
      } finally {
        await teardown(names);
      }
    },
  );

  it('runs the token-bucket fallback when it is forced (--network token-bucket), shaped, on loopback', async () => {
    const store = await startRemoteStore({
      network: 'token-bucket',
      rateBytesPerSecond: 4 * 2 ** 20,
      rttMs: 4,
    });
    started.push(store);
    expect(store.kind).toBe('token-bucket');
    expect(store.names).toBeUndefined();
    expect(store.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${store.url}/dag_test`, { method: 'PUT' })).status).toBe(201);
    const began = Date.now();
    const sent = await fetch(`${store.probeUrl}/sink`, { method: 'PUT', body: Buffer.alloc(2 * 2 ** 20) });
    expect(await sent.json()).toEqual({ bytes: 2 * 2 ** 20 });
    expect(Date.now() - began).toBeGreaterThanOrEqual(400);
    await store.stop();
    started.pop();
    await expect(fetch(`${store.url}/`, { signal: AbortSignal.timeout(2000) })).rejects.toThrow();
  });
});
