/**
 * The sequence runner over the real controller core, the in-process bus, scripted invokers and a
 * manual clock (harness.ts): order, chaining, causes, records, placements, colors and failures.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { SequenceRunner } from '../../../src/controller/sequence.js';
import type { ComponentResolver } from '../../../src/controller/sequence-ports.js';
import type { InvocationOutcome, InvocationRequest, Placement } from '../../../src/controller/types.js';
import {
  asActionDocument,
  formatFullyQualifiedName,
  sequenceMessages,
  type ActionDocument,
  type WhiskActivation,
} from '../../../src/protocol/index.js';
import type { FakeInvokerOptions } from '../../support/fake-invoker.js';
import { settle } from '../../support/manual-clock.js';
import { action, guest, startHarness } from './harness.js';

type Harness = Awaited<ReturnType<typeof startHarness>>;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function sequence(name: string, components: string[], annotations: ActionDocument['annotations'] = []) {
  return asActionDocument({
    ...action(name),
    exec: { kind: 'sequence', components: components.map((c) => `/guest/${c}`) },
    parameters: [],
    annotations,
  });
}

function colored(doc: ActionDocument, color: string): ActionDocument {
  return { ...doc, annotations: [...doc.annotations, { key: '__palette_color', value: color }] };
}

async function setup(
  invoker: Omit<FakeInvokerOptions, 'id'> = {},
  docs: ActionDocument[] = [],
  limit?: number,
) {
  h = await startHarness({
    invokers: [
      { id: 0, ...invoker },
      { id: 1, ...invoker },
    ],
  });
  await h.heartbeat();
  const known = new Map<string, ActionDocument>();
  for (const doc of [action('a'), action('b'), action('c'), ...docs]) known.set(doc.name, doc);
  const components: ComponentResolver = {
    resolve: async (fqn) => {
      const doc = fqn.namespace === 'guest' ? known.get(fqn.name) : undefined;
      return doc ? { kind: 'found', action: doc } : { kind: 'missing' };
    },
  };
  const records: WhiskActivation[] = [];
  const placements: Placement[] = [];
  let ids = 0xf000;
  const runner = new SequenceRunner({
    core: h.controller,
    components,
    writeActivation: async (record) => {
      records.push(record);
    },
    recordPlacement: (p) => placements.push(p),
    policies: { colored: 'consistent-hash', uncolored: 'openwhisk-sharding' },
    controllerId: 'c0',
    logger: pino({ level: 'silent' }),
    clock: h.clock,
    newActivationId: () => (++ids).toString(16).padStart(32, '0'),
    ...(limit !== undefined ? { limit } : {}),
  });
  const harness = h;
  /** Runs an invoke while letting the bus and the clock move (at most `maxMs` of clock). */
  const run = async (request: InvocationRequest, maxMs = 0): Promise<InvocationOutcome> => {
    let outcome: InvocationOutcome | undefined;
    let failure: unknown;
    void runner.invoke(request).then(
      (o) => (outcome = o),
      (e: unknown) => (failure = e),
    );
    await settle(20);
    for (let waited = 0; outcome === undefined && failure === undefined && waited < maxMs; waited += 500) {
      await harness.clock.advance(500);
      await settle(20);
    }
    if (failure !== undefined) throw failure;
    if (outcome === undefined) throw new Error('the sequence did not settle');
    return outcome;
  };
  /** Every invoker's messages, in the order the controller placed them (its ids count up). */
  const received = () =>
    harness.invokers.flatMap((i) => i.received).sort((x, y) => x.activationId.localeCompare(y.activationId));
  const componentPlacements = () => h!.placements;
  return { runner, records, placements, run, received, componentPlacements, known };
}

const request = (doc: ActionDocument, payload: unknown, blocking = true, waitMs = 60_000) =>
  h!.request(doc, payload, blocking, waitMs);

describe('sequence runner', () => {
  it('runs the components in order, output to input, each caused by the sequence; writes its record', async () => {
    const t = await setup();
    const outcome = await t.run(request(sequence('s', ['a', 'b', 'c']), { x: 1, __palette_color: 'red' }));
    expect(outcome.kind).toBe('completed');
    if (outcome.kind !== 'completed') return;
    const seqId = outcome.activationId;
    const messages = t.received();
    expect(messages.map((m) => m.action.name)).toEqual(['a', 'b', 'c']);
    expect(messages.every((m) => m.cause === seqId)).toBe(true);
    expect(messages[0]!.content).toEqual({ x: 1 });
    expect(messages[1]!.content).toEqual({ echoed: { x: 1 } });
    expect(messages[2]!.content).toEqual({ echoed: { echoed: { x: 1 } } });
    expect(outcome.activation.response).toMatchObject({
      statusCode: 0,
      result: { echoed: { echoed: { echoed: { x: 1 } } } },
    });
    expect(outcome.activation.logs).toEqual(messages.map((m) => m.activationId));
    expect(t.records).toEqual([outcome.activation]);
    expect(outcome.activation.annotations).toContainEqual({ key: 'kind', value: 'sequence' });
    // The sequence's placement has no invoker; every component's carries the color and the cause.
    expect(t.placements).toEqual([
      expect.objectContaining({
        activationId: seqId,
        kind: 'sequence',
        color: 'red',
        policy: 'consistent-hash',
      }),
    ]);
    expect(t.placements[0]).not.toHaveProperty('invoker');
    expect(t.componentPlacements()).toHaveLength(3);
    for (const p of t.componentPlacements()) expect(p).toMatchObject({ cause: seqId, color: 'red' });
    expect(new Set(t.componentPlacements().map((p) => p.invoker)).size).toBe(1);
  });

  it('color: the parameter beats the sequence annotation; no color: each component its own annotation', async () => {
    const t = await setup({}, [colored(action('b'), 'green')]);
    const seq = colored(sequence('s', ['a', 'b']), 'blue');
    await t.run(request(seq, { __palette_color: 'red' }));
    await t.run(request(seq, {}));
    await t.run(request(sequence('plain', ['a', 'b']), {}));
    const colors = t.componentPlacements().map((p) => p.color);
    expect(colors).toEqual(['red', 'red', 'blue', 'blue', undefined, 'green']);
    expect(t.placements.map((p) => [p.color, p.policy])).toEqual([
      ['red', 'consistent-hash'],
      ['blue', 'consistent-hash'],
      [undefined, 'openwhisk-sharding'],
    ]);
    // The color never reaches a component's parameters.
    for (const m of t.received()) expect(JSON.stringify(m.content)).not.toContain('__palette_color');
  });

  it('a component output that names a color colors nothing', async () => {
    const t = await setup({ respond: () => ({ statusCode: 0, result: { __palette_color: 'sneaky' } }) });
    await t.run(request(sequence('s', ['a', 'b']), {}));
    expect(t.componentPlacements().map((p) => p.color)).toEqual([undefined, undefined]);
    expect(t.received()[1]!.content).toEqual({});
  });

  it('an error stops the chain and the sequence takes its status', async () => {
    const t = await setup({
      respond: (m) =>
        m.action.name === 'b'
          ? { statusCode: 1, result: { error: 'nope' } }
          : { statusCode: 0, result: { ok: m.action.name } },
    });
    const outcome = await t.run(request(sequence('s', ['a', 'b', 'c']), {}));
    if (outcome.kind !== 'completed') throw new Error('expected completed');
    expect(t.received().map((m) => m.action.name)).toEqual(['a', 'b']);
    expect(outcome.activation.response).toMatchObject({ statusCode: 1, result: { error: 'nope' } });
    expect(outcome.activation.logs).toHaveLength(2);
  });

  it('a component deleted after create: "Sequence component does not exist." (application error)', async () => {
    const t = await setup();
    const outcome = await t.run(request(sequence('s', ['a', 'gone', 'c']), {}));
    if (outcome.kind !== 'completed') throw new Error('expected completed');
    expect(t.received().map((m) => m.action.name)).toEqual(['a']);
    expect(outcome.activation.response).toEqual({
      statusCode: 1,
      result: { error: sequenceMessages.componentNotFound },
    });
  });

  it('an inner sequence runs inline: its record is caused by the outer one and sits in its logs', async () => {
    const t = await setup({}, [sequence('inner', ['b'])]);
    const outcome = await t.run(request(sequence('outer', ['a', 'inner', 'c']), {}));
    if (outcome.kind !== 'completed') throw new Error('expected completed');
    const [innerRecord, outerRecord] = t.records;
    expect(outerRecord).toEqual(outcome.activation);
    expect(innerRecord!.cause).toBe(outcome.activationId);
    expect(innerRecord!.annotations).toContainEqual({ key: 'causedBy', value: 'sequence' });
    const [a, b, c] = t.received();
    expect(b!.cause).toBe(innerRecord!.activationId);
    expect(outerRecord!.logs).toEqual([a!.activationId, innerRecord!.activationId, c!.activationId]);
    expect(t.placements[1]).toMatchObject({ kind: 'sequence', cause: outcome.activationId });
  });

  it('stops with "Too many actions in the sequence." once the atomic count reaches the limit', async () => {
    const t = await setup({}, [], 2);
    const outcome = await t.run(request(sequence('s', ['a', 'b', 'c']), {}));
    if (outcome.kind !== 'completed') throw new Error('expected completed');
    expect(t.received()).toHaveLength(2);
    expect(outcome.activation.response.result).toEqual({ error: sequenceMessages.tooLong });
  });

  it('non-blocking answers the id at once; the record follows', async () => {
    const t = await setup();
    const outcome = await t.run(request(sequence('s', ['a', 'b']), {}, false));
    expect(outcome.kind).toBe('accepted');
    await settle(40);
    expect(t.records.map((r) => r.activationId)).toEqual([outcome.activationId]);
  });

  it('a blocking caller gets the id after its wait; a component that never answers ends it as a timeout', async () => {
    const t = await setup({ script: (m) => (m.action.name === 'b' ? 'silent' : 'combined') }, [
      { ...action('b', 256, 1_000) },
    ]);
    const outcome = await t.run(request(sequence('s', ['a', 'b']), {}, true, 5_000), 10_000);
    expect(outcome.kind).toBe('accepted');
    expect(t.records).toHaveLength(0);
    // The invokers keep pinging (else the controller gives the activation up as offline first).
    for (let i = 0; i < 70 && t.records.length === 0; i++) {
      await h!.heartbeat();
      await settle(10);
    }
    const bId = t.received()[1]!.activationId;
    expect(t.records[0]!.response).toEqual({
      statusCode: 3,
      result: { error: sequenceMessages.retrieveTimeout(bId) },
    });
    expect(t.records[0]!.logs.at(-1)).toBe(bId);
  });

  it('an invoker that goes offline mid-sequence: the component’s system error ends the sequence', async () => {
    const t = await setup({ script: (m) => (m.action.name === 'b' ? 'silent' : 'combined') });
    const outcome = await t.run(request(sequence('s', ['a', 'b', 'c']), {}, false));
    expect(outcome.kind).toBe('accepted');
    // No more pings: the controller gives the silent activation up and answers its waiter.
    for (let i = 0; i < 400 && t.records.length === 0; i++) {
      await h!.clock.advance(500);
      await settle(10);
    }
    expect(t.records).toHaveLength(1);
    expect(t.records[0]!.response.statusCode).toBe(3);
    expect(t.received().map((m) => m.action.name)).toEqual(['a', 'b']);
  });

  it('no healthy invoker: the sequence fails with "Sequence failed." (whisk error)', async () => {
    const t = await setup({ ignoreHealthTests: true });
    const outcome = await t.run(request(sequence('s', ['a']), {}));
    if (outcome.kind !== 'completed') throw new Error('expected completed');
    expect(outcome.activation.response).toEqual({
      statusCode: 3,
      result: { error: sequenceMessages.failure },
    });
  });

  it('an invalid color is thrown before anything runs or is recorded; plain actions go to the core', async () => {
    const t = await setup();
    await expect(t.runner.invoke(request(sequence('s', ['a']), { __palette_color: '' }))).rejects.toThrow(
      /__palette_color/,
    );
    expect(t.placements).toHaveLength(0);
    const plain = await t.run(request(action('a'), { y: 2 }));
    expect(plain.kind).toBe('completed');
    expect(t.records).toHaveLength(0);
    expect(formatFullyQualifiedName({ namespace: guest.namespace.name, name: 'a' })).toBe('/guest/a');
  });
});
