/**
 * The invoker over the in-process (Lean) bus and a real CouchDB (the suite's pouchdb-server):
 * action documents in the whisks database, ActivationMessages built as the controller builds them,
 * and every ack, ping and record checked against the OpenWhisk schemas in src/protocol.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CouchActionSource, StoreActivationSink } from '../../../src/platform/invoker-adapters.js';
import { Invoker } from '../../../src/invoker/invoker.js';
import { LeanBus } from '../../../src/messaging/lean-bus.js';
import { topics } from '../../../src/messaging/bus.js';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../../src/platform/embedded-couch.js';
import {
  activationDocumentSchema,
  activationMessage,
  annotation,
  defaultActionLimits,
  healthTestActionDocument,
  healthTestIdentity,
  invokerHealthTid,
  newActivationId,
  newTransactionId,
  parseAcknowledgement,
  parsePing,
  serializeActivationMessage,
  type Acknowledgement,
  type ActionDocument,
  type ActivationMessageInput,
  type Identity,
  type PingMessage,
  type WhiskActivation,
} from '../../../src/protocol/index.js';
import { ActivationStore } from '../../../src/store/activation-store.js';
import { connectCouch, openCouch, type CouchConnection } from '../../../src/store/couch.js';

const controllerId = 'palette7';
const guest: Identity = {
  subject: 'guest',
  namespace: { name: 'guest', uuid: '23bc46b1-71f6-4ed5-8c54-816aa4f8c502' },
  authkey: {
    api_key:
      '23bc46b1-71f6-4ed5-8c54-816aa4f8c502:123zO3xZCLrMN6v2BKK1dXYFpXlPkccOFqm12CdAsMgRU4VrNZ9lyGVCGuMDGIwP',
  },
  rights: ['READ', 'PUT', 'DELETE', 'ACTIVATE'],
  limits: {},
};

let ownCouch: EmbeddedCouch | undefined;
let couch: CouchConnection;
let bus: LeanBus;
let invoker: Invoker;
const acksById = new Map<string, Acknowledgement[]>();
const rawAcks: string[] = [];
const pings: PingMessage[] = [];

beforeAll(async () => {
  let url = process.env.COUCHDB_URL;
  if (!url) {
    ownCouch = await startEmbeddedCouch();
    url = ownCouch.url;
  }
  couch = await connectCouch({ url, prefix: `inv_${randomBytes(4).toString('hex')}_` });
  bus = new LeanBus();
  await bus.ensureTopic(topics.completed(controllerId), 'completed');
  await bus.subscribe(topics.completed(controllerId), `completed${controllerId}`, async (value) => {
    rawAcks.push(value);
    const ack = parseAcknowledgement(value); // throws on anything OpenWhisk would not read
    const id =
      ack.kind === 'completion'
        ? ack.message.activationId
        : typeof ack.message.response === 'string'
          ? ack.message.response
          : ack.message.response.activationId;
    acksById.set(id, [...(acksById.get(id) ?? []), ack]);
  });
  invoker = new Invoker({
    id: 3,
    name: 'test-invoker-3',
    userMemoryMB: 512,
    bus,
    actions: new CouchActionSource(couch),
    activations: new StoreActivationSink(new ActivationStore(couch, { flushMs: 5 })),
    idleContainerMs: 60_000,
    pingIntervalMs: 200,
  });
  await invoker.start();
  await bus.subscribe(topics.health, `health${controllerId}`, async (value) => {
    pings.push(parsePing(value));
  });
});

afterAll(async () => {
  await invoker?.stop();
  await bus?.close();
  await ownCouch?.stop();
});

async function putAction(name: string, code: string, extra: Partial<ActionDocument> = {}): Promise<string> {
  const doc: ActionDocument = {
    _id: `guest/${name}`,
    entityType: 'action',
    updated: Date.now(),
    namespace: 'guest',
    name,
    version: '0.0.1',
    publish: false,
    exec: { kind: 'nodejs:20', code, binary: false },
    parameters: [],
    limits: { ...defaultActionLimits },
    annotations: [{ key: 'exec', value: 'nodejs:20' }],
    ...extra,
  };
  const result = await couch.db('whisks').insert(doc as unknown as Record<string, unknown>);
  return result.rev;
}

async function invoke(
  name: string,
  rev: string | null,
  input: Partial<ActivationMessageInput> = {},
): Promise<string> {
  const activationId = newActivationId();
  const message = activationMessage({
    transid: newTransactionId(Date.now()),
    action: { path: 'guest', name, version: '0.0.1' },
    revision: rev,
    user: guest,
    activationId,
    controllerId,
    blocking: true,
    ...input,
  });
  await bus.send(topics.invoker(3), [serializeActivationMessage(message)]);
  return activationId;
}

async function acksOf(activationId: string, count: number): Promise<Acknowledgement[]> {
  await vi.waitFor(() => expect(acksById.get(activationId)?.length ?? 0).toBeGreaterThanOrEqual(count), {
    timeout: 20_000,
    interval: 20,
  });
  // Nothing more may follow.
  await new Promise((r) => setTimeout(r, 100));
  return acksById.get(activationId)!;
}

async function record(activationId: string) {
  const db = couch.db('activations');
  const doc = await vi.waitFor(async () => db.get(`guest/${activationId}`), {
    timeout: 10_000,
    interval: 50,
  });
  return activationDocumentSchema.parse(doc);
}

function resultOf(ack: Acknowledgement): WhiskActivation {
  if (ack.kind === 'completion' || typeof ack.message.response === 'string')
    throw new Error(`no activation in a ${ack.kind} ack`);
  return ack.message.response;
}

describe('Invoker on the wire', () => {
  it('runs a blocking activation: result ack, then completion ack, then the record with logs', async () => {
    const rev = await putAction(
      'hello',
      'let calls = 0; function main(p) { calls++; console.log("hello", p.name); console.error("warn"); return { greeting: "Hello " + p.name, calls, env: { ns: process.env.__OW_NAMESPACE, action: process.env.__OW_ACTION_NAME, id: process.env.__OW_ACTIVATION_ID, key: process.env.__OW_API_KEY, version: process.env.__OW_ACTION_VERSION, deadline: process.env.__OW_DEADLINE, tid: process.env.__OW_TRANSACTION_ID, invoker: process.env.PALETTE_INVOKER_ID, store: process.env.PALETTE_LOCAL_STORE } }; }',
    );
    const first = await invoke('hello', rev, { content: { name: 'World' } });
    const [result, completion] = await acksOf(first, 2);
    expect(result!.kind).toBe('result');
    expect(completion!.kind).toBe('completion');
    expect(completion!.message).toMatchObject({
      activationId: first,
      isSystemError: false,
      instance: invoker.instance,
    });
    const activation = resultOf(result!);
    expect(activation.response).toMatchObject({
      statusCode: 0,
      result: { greeting: 'Hello World', calls: 1 },
    });
    expect(activation.logs).toEqual([]);
    const env = (activation.response.result as { env: Record<string, string> }).env;
    expect(env).toMatchObject({
      ns: 'guest',
      action: '/guest/hello',
      id: first,
      key: guest.authkey.api_key,
      version: '0.0.1',
      invoker: '3',
      store: invoker.localStoreDir,
    });
    expect(Number(env.deadline)).toBeGreaterThan(Date.now());
    expect(annotation(activation, 'initTime')).toEqual(expect.any(Number));
    expect(annotation(activation, 'kind')).toBe('nodejs:20');
    expect(annotation(activation, 'path')).toBe('guest/hello');
    expect(annotation(activation, 'timeout')).toBe(false);
    expect(annotation(activation, 'limits')).toEqual(defaultActionLimits);

    const stored = await record(first);
    expect(stored.logs).toHaveLength(2);
    expect(stored.logs[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z stdout: hello World$/);
    expect(stored.logs[1]).toMatch(/ stderr: warn$/);
    expect(stored).toMatchObject({
      _id: `guest/${first}`,
      entityType: 'activation',
      namespace: 'guest',
      name: 'hello',
      subject: 'guest',
    });

    // Warm: the same container, its global state kept, no init.
    const second = await invoke('hello', rev, { content: { name: 'again' } });
    const warm = resultOf((await acksOf(second, 2))[0]!);
    expect(warm.response.result).toMatchObject({ calls: 2 });
    expect(annotation(warm, 'initTime')).toBeUndefined();
    expect(invoker.stats.warmStarts).toBeGreaterThanOrEqual(1);
  });

  it('sends a single completion for a non-blocking activation and stores its record', async () => {
    const rev = await putAction('quiet', 'function main() { return { done: true }; }');
    const id = await invoke('quiet', rev, { blocking: false });
    const acks = await acksOf(id, 1);
    expect(acks.map((a) => a.kind)).toEqual(['completion']);
    expect((await record(id)).response).toMatchObject({ statusCode: 0, result: { done: true } });
  });

  it('sends one combined ack when the action collects no logs (limits.logs = 0)', async () => {
    const rev = await putAction('nologs', 'function main() { console.log("x"); return { ok: 1 }; }', {
      limits: { ...defaultActionLimits, logs: 0 },
    });
    const id = await invoke('nologs', rev);
    const acks = await acksOf(id, 1);
    expect(acks.map((a) => a.kind)).toEqual(['combined']);
    expect(resultOf(acks[0]!).response.result).toEqual({ ok: 1 });
    expect((await record(id)).logs).toEqual([]);
  });

  it('reads the latest revision when the message has none or a stale one, and init args go to the env', async () => {
    const rev1 = await putAction('versioned', 'function main() { return { v: 1 }; }');
    const latest = await couch.db('whisks').insert({
      ...(await couch.db('whisks').get('guest/versioned')),
      _rev: rev1,
      updated: Date.now(),
      exec: {
        kind: 'nodejs:20',
        code: 'function main(p) { return { v: 2, secret: process.env.secret, p }; }',
        binary: false,
      },
    } as Record<string, unknown>);
    const byNull = resultOf(
      (
        await acksOf(
          await invoke('versioned', null, { content: { secret: 's', a: 1 }, initArgs: ['secret'] }),
          2,
        )
      )[0]!,
    );
    expect(byNull.response.result).toEqual({ v: 2, secret: 's', p: { a: 1 } });
    const byOld = resultOf((await acksOf(await invoke('versioned', rev1), 2))[0]!);
    expect(byOld.response.result).toMatchObject({ v: 1 });
    expect(latest.rev).not.toBe(rev1);
  });

  it('answers a missing action with the combined fallback ack (shrunk when non-blocking)', async () => {
    const blocking = await invoke('does-not-exist', null);
    const [ack] = await acksOf(blocking, 1);
    expect(ack!.kind).toBe('combined');
    const fallback = resultOf(ack!);
    expect(fallback.response).toEqual({
      statusCode: 1,
      result: { error: 'Action could not be found or may have been deleted.' },
    });
    expect(fallback.annotations).toEqual([
      { key: 'path', value: 'guest/does-not-exist' },
      { key: 'kind', value: 'unknown' },
    ]);
    expect(fallback.duration).toBe(0);
    expect(ack!.message).toMatchObject({ isSystemError: false, instance: invoker.instance });
    await record(blocking);

    const nonBlocking = await invoke('does-not-exist', null, { blocking: false });
    const [shrunk] = await acksOf(nonBlocking, 1);
    expect(shrunk!.kind).toBe('combined');
    expect(shrunk!.message).toMatchObject({ response: nonBlocking });
  });

  it('answers an unreadable action document with a whisk error', async () => {
    await couch
      .db('whisks')
      .insert({ _id: 'guest/broken', entityType: 'action', namespace: 'guest', name: 'broken' } as Record<
        string,
        unknown
      >);
    const id = await invoke('broken', null);
    const [ack] = await acksOf(id, 1);
    expect(ack!.kind).toBe('combined');
    expect(resultOf(ack!).response).toEqual({
      statusCode: 3,
      result: { error: 'Action version is not compatible and cannot be invoked.' },
    });
    expect(ack!.message).toMatchObject({ isSystemError: true });
  });

  it.each([
    [
      'python:3.10',
      { kind: 'python:3.10', code: 'def main(a): return a', binary: false },
      'openwhisk/action-python-v3.10:nightly',
    ],
    ['blackbox', { kind: 'blackbox', image: 'me/custom:1', binary: false }, 'me/custom:1'],
  ])(
    'answers a %s action it cannot run with a developer error, and keeps running',
    async (kind, exec, image) => {
      const name = `foreign-${kind.replace(/\W/g, '')}`;
      const rev = await putAction(name, '', {
        exec,
        annotations: [{ key: 'exec', value: kind }],
      } as Partial<ActionDocument>);
      for (const blocking of [true, false]) {
        const id = await invoke(name, rev, { blocking });
        const [ack] = await acksOf(id, 1);
        expect(ack!.message).toMatchObject({ isSystemError: false });
        const stored = await record(id);
        // ContainerProxy: BlackboxStartupError(Messages.imagePullError(image)) -> developerError.
        expect(stored.response).toEqual({
          statusCode: 2,
          result: { error: `Failed to pull container image '${image}'.` },
        });
        expect(stored.annotations).toContainEqual({ key: 'kind', value: kind });
      }
      // Still serving Node.js actions.
      const ok = await putAction(`after-${name}`, 'function main() { return { ok: true }; }');
      const [done] = await acksOf(await invoke(`after-${name}`, ok, { blocking: true }), 1);
      expect(resultOf(done!).response).toMatchObject({ statusCode: 0, result: { ok: true } });
    },
  );

  it('answers "Action could not be fetched." when the database cannot be reached', async () => {
    const deadCouch = openCouch({ url: 'http://127.0.0.1:9', prefix: 'none_' });
    const lonely = new Invoker({
      id: 4,
      userMemoryMB: 256,
      bus,
      actions: new CouchActionSource(deadCouch),
      activations: { storeActivation: async () => undefined },
    });
    await lonely.start();
    try {
      const activationId = newActivationId();
      const message = activationMessage({
        transid: newTransactionId(Date.now()),
        action: { path: 'guest', name: 'hello', version: '0.0.1' },
        revision: null,
        user: guest,
        activationId,
        controllerId,
        blocking: false,
      });
      await bus.send(topics.invoker(4), [serializeActivationMessage(message)]);
      const [ack] = await acksOf(activationId, 1);
      expect(ack!.kind).toBe('combined');
      expect(ack!.message).toMatchObject({
        response: activationId,
        isSystemError: true,
        instance: lonely.instance,
      });
    } finally {
      await lonely.stop();
    }
  });

  it('turns a thrown error into a developer error and replaces the container', async () => {
    const rev = await putAction(
      'thrower',
      'let n = 0; function main(p) { n++; if (p.fail) throw new Error("boom"); return { n }; }',
    );
    const okId = await invoke('thrower', rev);
    expect(resultOf((await acksOf(okId, 2))[0]!).response.result).toEqual({ n: 1 });
    const failId = await invoke('thrower', rev, { content: { fail: true } });
    const [result, completion] = await acksOf(failId, 2);
    expect(resultOf(result!).response).toMatchObject({
      statusCode: 2,
      result: { error: 'An error has occurred: Error: boom' },
    });
    expect(completion!.message).toMatchObject({ isSystemError: false });
    const logs = (await record(failId)).logs;
    expect(logs[0]).toMatch(/stderr: Error: boom$/);
    expect(logs.at(-1)).toMatch(
      /stderr: The action did not initialize or run as expected. Log data might be missing.$/,
    );
    // A fresh container: state starts over and the activation is a cold start.
    const after = resultOf((await acksOf(await invoke('thrower', rev), 2))[0]!);
    expect(after.response.result).toEqual({ n: 1 });
    expect(annotation(after, 'initTime')).toEqual(expect.any(Number));
  });

  it('times out with OpenWhisk message, kills the container and starts a new one', async () => {
    const rev = await putAction(
      'sleepy',
      'let runs = 0; function main(p) { runs++; console.log("start", runs); if (p.sleep) return new Promise(() => {}); return { runs }; }',
      {
        limits: { ...defaultActionLimits, timeout: 500 },
      },
    );
    const id = await invoke('sleepy', rev, { content: { sleep: true } });
    const [result] = await acksOf(id, 2);
    const activation = resultOf(result!);
    expect(activation.response).toEqual({
      statusCode: 2,
      result: { error: 'The action exceeded its time limits of 500 milliseconds.' },
    });
    expect(annotation(activation, 'timeout')).toBe(true);
    expect((await record(id)).logs[0]).toMatch(/stdout: start 1$/);
    const next = resultOf((await acksOf(await invoke('sleepy', rev), 2))[0]!);
    expect(next.response.result).toEqual({ runs: 1 });
  });

  it('reports a crashed container with OpenWhisk message', async () => {
    const rev = await putAction('crasher', 'function main() { process.exit(1); }');
    const [result] = await acksOf(await invoke('crasher', rev), 2);
    expect(resultOf(result!).response).toEqual({
      statusCode: 2,
      result: { error: 'The action did not produce a valid response and exited unexpectedly.' },
    });
  });

  it('runs the health test action like any action', async () => {
    await couch
      .db('whisks')
      .insert(healthTestActionDocument(controllerId, Date.now()) as unknown as Record<string, unknown>);
    const activationId = newActivationId();
    const message = activationMessage({
      transid: [invokerHealthTid, Date.now()],
      action: { path: 'whisk.system', name: `invokerHealthTestAction${controllerId}`, version: '0.0.1' },
      revision: null,
      user: healthTestIdentity(),
      activationId,
      controllerId,
      blocking: false,
      content: { $scheduler: { action: 'x' } },
    });
    await bus.send(topics.invoker(3), [serializeActivationMessage(message)]);
    const [ack] = await acksOf(activationId, 1);
    expect(ack!.kind).toBe('completion');
    expect(ack!.message).toMatchObject({ isSystemError: false });
    const stored = activationDocumentSchema.parse(
      await vi.waitFor(() => couch.db('activations').get(`whisk.system/${activationId}`), {
        timeout: 10_000,
        interval: 50,
      }),
    );
    expect(stored.response.statusCode).toBe(0);
  });

  it('drops a message it cannot parse without any ack', async () => {
    const before = rawAcks.length;
    await bus.send(topics.invoker(3), ['{"not":"an activation"}', 'not json']);
    const rev = await putAction('after-garbage', 'function main() { return {}; }');
    await acksOf(await invoke('after-garbage', rev, { blocking: false }), 1);
    expect(rawAcks.length).toBe(before + 1);
    expect(invoker.stats.dropped).toBe(2);
  });

  it('pings health with its identity and user memory', async () => {
    await vi.waitFor(
      () => expect(pings.filter((p) => p.name.instance === 3).length).toBeGreaterThanOrEqual(2),
      { timeout: 5000 },
    );
    const ping = pings.find((p) => p.name.instance === 3)!;
    expect(ping).toEqual({
      name: {
        instance: 3,
        userMemory: '536870912 B',
        instanceType: 'invoker',
        // Tells a Palette controller this invoker runs Node.js kinds only (R10).
        tags: ['palette-nodejs'],
        dedicatedNamespaces: [],
        uniqueName: 'test-invoker-3',
      },
      isEnabled: true,
    });
  });
});
