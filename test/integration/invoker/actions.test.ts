/**
 * The project's actions (actions/*.js) deployed as OpenWhisk action documents and run by two real
 * invokers (Lean bus, the suite's CouchDB): hello reports its invoker and container, timeline's
 * per-container LRU turns repeated reads into hits, and dag-task reads an input locally only on
 * the invoker that produced it.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInvoker, type WiredInvoker } from '../../../src/platform/invoker-stack.js';
import { topics } from '../../../src/messaging/bus.js';
import { LeanBus } from '../../../src/messaging/lean-bus.js';
import {
  activationMessage,
  defaultActionLimits,
  newActivationId,
  newTransactionId,
  parseAcknowledgement,
  serializeActivationMessage,
  type Identity,
} from '../../../src/protocol/index.js';
import { connectCouch, type CouchConnection } from '../../../src/store/couch.js';

const controllerId = 'palette8';
const user: Identity = {
  subject: 'guest',
  namespace: { name: 'guest', uuid: 'u' },
  authkey: { api_key: 'u:k' },
  rights: [],
  limits: {},
};
const tag = randomBytes(4).toString('hex');
const postsDb = `posts_${tag}`;
const dagDb = `dag_${tag}`;

let couchUrl: string;
let couch: CouchConnection;
let bus: LeanBus;
const invokers: WiredInvoker[] = [];
const results = new Map<string, unknown>();

beforeAll(async () => {
  couchUrl = process.env.COUCHDB_URL ?? '';
  if (!couchUrl)
    throw new Error('COUCHDB_URL is not set: the integration global setup starts pouchdb-server');
  couch = await connectCouch({ url: couchUrl, prefix: `act_${tag}_` });
  bus = new LeanBus();
  await bus.ensureTopic(topics.completed(controllerId), 'completed');
  await bus.subscribe(topics.completed(controllerId), 'c', async (value) => {
    const ack = parseAcknowledgement(value);
    if (ack.kind !== 'completion' && typeof ack.message.response !== 'string') {
      results.set(ack.message.response.activationId, ack.message.response.response.result);
    }
  });
  for (const id of [0, 1]) {
    const wired = createInvoker({ id, userMemoryMB: 1024, bus, couch, remoteStoreUrl: couchUrl });
    await wired.invoker.start();
    invokers.push(wired);
  }
  for (const name of ['hello', 'timeline', 'dag-task']) {
    await couch.db('whisks').insert({
      _id: `guest/${name}`,
      entityType: 'action',
      updated: Date.now(),
      namespace: 'guest',
      name,
      version: '0.0.1',
      publish: false,
      exec: { kind: 'nodejs:20', code: readFileSync(`actions/${name}.js`, 'utf8'), binary: false },
      parameters: [],
      limits: { ...defaultActionLimits },
      annotations: [],
    });
  }
  // Posts: users a..d, 10 posts each.
  await couch.server.db.create(postsDb);
  const docs = [];
  for (const u of ['a', 'b', 'c', 'd']) {
    for (let n = 0; n < 10; n++) docs.push({ _id: `post:${u}:${n}`, author: u, n, text: `${u} says ${n}` });
  }
  docs.push({ _id: 'user:a', friends: ['b', 'c', 'd'] });
  await couch.server.use(postsDb).bulk({ docs });
});

afterAll(async () => {
  for (const wired of invokers) await wired.stop();
  await bus?.close();
});

async function run<T>(invoker: number, action: string, content: Record<string, unknown>): Promise<T> {
  const activationId = newActivationId();
  const message = activationMessage({
    transid: newTransactionId(Date.now()),
    action: { path: 'guest', name: action, version: '0.0.1' },
    revision: null,
    user,
    activationId,
    controllerId,
    blocking: true,
    content,
  });
  await bus.send(topics.invoker(invoker), [serializeActivationMessage(message)]);
  await vi.waitFor(() => expect(results.has(activationId)).toBe(true), { timeout: 20_000, interval: 20 });
  return results.get(activationId) as T;
}

interface Hello {
  greeting: string;
  invoker: string;
  container: string;
  activations: number;
  params: unknown;
}
interface Timeline {
  posts: string[];
  hits: number;
  misses: number;
  cached: number;
  invoker: string;
}
interface DagResult {
  inputs: { key: string; source: string; bytes: number }[];
  bytesReadLocal: number;
  bytesReadRemote: number;
  bytesWrittenLocal: number;
  bytesWrittenRemote: number;
  digest: string;
  invoker: string;
}

describe('actions', () => {
  it('hello echoes its params and names its invoker and warm container', async () => {
    const first = await run<Hello>(1, 'hello', { name: 'Ada' });
    expect(first).toMatchObject({
      greeting: 'Hello, Ada!',
      params: { name: 'Ada' },
      invoker: '1',
      activations: 1,
    });
    const second = await run<Hello>(1, 'hello', {});
    expect(second).toMatchObject({ invoker: '1', container: first.container, activations: 2 });
  });

  it('timeline misses then hits in the container cache, per user and for home timelines', async () => {
    const opts = { couchUrl, db: postsDb };
    const cold = await run<Timeline>(0, 'timeline', { ...opts, kind: 'user', user: 'a' });
    expect(cold).toMatchObject({ hits: 0, misses: 10, invoker: '0' });
    expect(cold.posts).toEqual(Array.from({ length: 10 }, (_, i) => `post:a:${9 - i}`));
    const warm = await run<Timeline>(0, 'timeline', { ...opts, kind: 'user', user: 'a' });
    expect(warm).toMatchObject({ hits: 10, misses: 0 });
    // Home timeline of a: the newest post of b, c, d (friends read from the user document).
    const home = await run<Timeline>(0, 'timeline', { ...opts, kind: 'home', user: 'a' });
    expect(home.posts).toEqual(['post:b:9', 'post:c:9', 'post:d:9']);
    expect(home).toMatchObject({ hits: 0, misses: 3 });
    // Another invoker has its own containers, so its own (empty) cache.
    expect(await run<Timeline>(1, 'timeline', { ...opts, kind: 'user', user: 'a' })).toMatchObject({
      hits: 0,
      misses: 10,
    });
  });

  it('timeline keeps at most cacheSize posts, evicting the least recently used', async () => {
    const opts = { couchUrl, db: postsDb, cacheSize: 25 };
    for (const u of ['b', 'c', 'd']) await run<Timeline>(1, 'timeline', { ...opts, kind: 'user', user: u });
    const again = await run<Timeline>(1, 'timeline', { ...opts, kind: 'user', user: 'd' });
    expect(again).toMatchObject({ hits: 10, misses: 0, cached: 25 });
    // 30 posts went through a 25-post cache: b's first five (b:9..b:5, the least recently used) left it.
    const b = await run<Timeline>(1, 'timeline', { ...opts, kind: 'user', user: 'b' });
    expect(b).toMatchObject({ hits: 5, misses: 5, cached: 25 });
  });

  it('dag-task reads an input locally on the invoker that produced it, remotely elsewhere', async () => {
    const opts = { couchUrl, db: dagDb, size: 4096 };
    const a = await run<DagResult>(0, 'dag-task', { ...opts, key: 'A' });
    expect(a).toMatchObject({
      invoker: '0',
      bytesWrittenLocal: 4096,
      bytesWrittenRemote: 4096,
      bytesReadRemote: 0,
    });
    const sameInvoker = await run<DagResult>(0, 'dag-task', { ...opts, key: 'B', inputs: ['A'] });
    expect(sameInvoker).toMatchObject({
      bytesReadLocal: 4096,
      bytesReadRemote: 0,
      inputs: [{ key: 'A', source: 'local', bytes: 4096 }],
    });
    const otherInvoker = await run<DagResult>(1, 'dag-task', { ...opts, key: 'C', inputs: ['A'] });
    expect(otherInvoker).toMatchObject({
      bytesReadLocal: 0,
      bytesReadRemote: 4096,
      inputs: [{ key: 'A', source: 'remote', bytes: 4096 }],
    });
    // Same inputs, same output, wherever it ran.
    const again = await run<DagResult>(1, 'dag-task', { ...opts, key: 'B', inputs: ['A'], remoteOnly: true });
    expect(again).toMatchObject({
      digest: sameInvoker.digest,
      bytesWrittenLocal: 0,
      bytesWrittenRemote: 4096,
    });
  });
});
