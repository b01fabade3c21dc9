import fc from 'fast-check';
import type nano from 'nano';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BulkWriter, storedOrPresent } from '../../../src/store/bulk-writer.js';
import { isUnreachable } from '../../../src/store/couch.js';
import { WriteBacklog } from '../../../src/store/write-backlog.js';

/** A pino logger whose lines land in `lines` (level and message). */
function capturingLogger() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

const refused = () => new Error('error happened in your connection. Reason: Error: connect ECONNREFUSED');

/** An in-memory `_bulk_docs` that is down while `down` is set, and may lose its answer after writing. */
function fakeCouch() {
  const docs = new Map<string, object>();
  const state = { down: false, loseNextAnswer: false, requests: 0 };
  const bulk = async (body: nano.BulkModifyDocsWrapper): Promise<nano.DocumentBulkResponse[]> => {
    state.requests++;
    if (state.down) throw refused();
    const results = (body.docs as { _id: string }[]).map((doc) => {
      if (docs.has(doc._id))
        return { id: doc._id, error: 'conflict', reason: 'exists' } as nano.DocumentBulkResponse;
      docs.set(doc._id, doc);
      return { id: doc._id, rev: '1-x' } as nano.DocumentBulkResponse;
    });
    if (state.loseNextAnswer) {
      state.loseNextAnswer = false;
      throw Object.assign(new Error('The operation was aborted due to timeout'), { name: 'TimeoutError' });
    }
    return results;
  };
  return { docs, state, bulk };
}

const until = async (probe: () => boolean, ms = 5_000) => {
  const end = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > end) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('WriteBacklog', () => {
  it('admits up to the bound, logs one line per episode, and counts every refusal', () => {
    const { logger, lines } = capturingLogger();
    const seen = { queued: 0, dropped: 0 };
    const backlog = new WriteBacklog(3, logger, {
      queued: (n) => (seen.queued = n),
      dropped: () => seen.dropped++,
    });
    expect([backlog.admit('x'), backlog.admit('x'), backlog.admit('x')]).toEqual([true, true, true]);
    for (let i = 0; i < 100; i++) expect(backlog.admit('x')).toBe(false);
    expect(backlog.dropped).toBe(100);
    expect(seen).toEqual({ queued: 3, dropped: 100 });
    expect(lines.filter((l) => l.msg.includes('write queue full'))).toHaveLength(1);
    backlog.release(); // 2 of 3: still above half the bound, the episode goes on
    expect(backlog.admit('x')).toBe(true);
    expect(backlog.admit('x')).toBe(false);
    expect(lines.filter((l) => l.msg.includes('write queue full'))).toHaveLength(1);
    backlog.release();
    backlog.release(); // 1 of 3: the episode ends with one line
    expect(lines.filter((l) => l.msg.includes('below its bound'))).toHaveLength(1);
    backlog.admit('x');
    backlog.admit('x');
    expect(backlog.admit('x')).toBe(false); // a new episode, a new line
    expect(lines.filter((l) => l.msg.includes('write queue full'))).toHaveLength(2);
  });

  it('never holds more than the bound, whatever the order of admits and releases (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.boolean(), { maxLength: 200 }), (max, ops) => {
        const backlog = new WriteBacklog(max);
        let held = 0;
        let refused = 0;
        for (const admit of ops) {
          if (admit) {
            if (backlog.admit('x')) held++;
            else refused++;
          } else if (held > 0) {
            backlog.release();
            held--;
          }
          expect(backlog.queued).toBe(held);
          expect(held).toBeLessThanOrEqual(max);
        }
        expect(backlog.dropped).toBe(refused);
      }),
    );
  });
});

describe('BulkWriter through an outage', () => {
  it('keeps what it is given while the server is down and writes all of it when it returns', async () => {
    const couch = fakeCouch();
    const { logger, lines } = capturingLogger();
    const reach: boolean[] = [];
    const backlog = new WriteBacklog(1_000, logger);
    const writer = new BulkWriter<{ _id: string }>(couch.bulk, {
      flushMs: 1,
      minBackoffMs: 5,
      maxBackoffMs: 20,
      backlog,
      logger,
      what: 'records',
      reachability: { reachable: () => reach.push(true), unreachable: () => reach.push(false) },
    });
    couch.state.down = true;
    const outcomes = Array.from({ length: 50 }, (_, i) => writer.write({ _id: `r${i}` }));
    await until(() => couch.state.requests >= 4);
    expect(backlog.queued).toBe(50);
    couch.state.down = false;
    expect((await Promise.all(outcomes)).every((o) => o.ok)).toBe(true);
    expect(couch.docs.size).toBe(50);
    expect(backlog.queued).toBe(0);
    expect(reach[0]).toBe(false);
    expect(reach.at(-1)).toBe(true);
    // One line when it starts failing, one when it answers again: not one per retry.
    expect(lines.filter((l) => l.msg.startsWith('cannot write records'))).toHaveLength(1);
    expect(lines.filter((l) => l.msg.startsWith('CouchDB answers again'))).toHaveLength(1);
    await writer.close();
  });

  it('answers queue_full at the bound and writes the rest', async () => {
    const couch = fakeCouch();
    const backlog = new WriteBacklog(10);
    const writer = new BulkWriter<{ _id: string }>(couch.bulk, { flushMs: 1, minBackoffMs: 5, backlog });
    couch.state.down = true;
    const outcomes = Array.from({ length: 15 }, (_, i) => writer.write({ _id: `r${i}` }));
    couch.state.down = false;
    const settled = await Promise.all(outcomes);
    expect(settled.filter((o) => o.ok)).toHaveLength(10);
    expect(settled.filter((o) => !o.ok && o.error === 'queue_full')).toHaveLength(5);
    expect(backlog.dropped).toBe(5);
    await writer.close();
  });

  it('a create-only document written before a lost answer comes back as a replayed conflict: present', async () => {
    const couch = fakeCouch();
    const writer = new BulkWriter<{ _id: string }>(couch.bulk, { flushMs: 1, minBackoffMs: 5 });
    couch.state.loseNextAnswer = true;
    const outcome = await writer.write({ _id: 'once' });
    expect(outcome).toMatchObject({ ok: false, error: 'conflict', replayed: true });
    expect(storedOrPresent(outcome)).toBe(true);
    expect(couch.docs.size).toBe(1);
    const fresh = await writer.write({ _id: 'once' });
    expect(fresh).toMatchObject({ ok: false, error: 'conflict' });
    expect('replayed' in fresh).toBe(false);
    await writer.close();
  });
});

describe('isUnreachable', () => {
  it('is an outage for refused connections, timeouts and 5xx; an answer for 4xx and our own errors', () => {
    expect(isUnreachable(refused())).toBe(true);
    expect(isUnreachable(Object.assign(new Error('t'), { name: 'TimeoutError' }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('x'), { statusCode: 503 }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('x'), { statusCode: 500 }))).toBe(true);
    expect(isUnreachable(Object.assign(new Error('x'), { statusCode: 404 }))).toBe(false);
    expect(isUnreachable(Object.assign(new Error('x'), { statusCode: 409 }))).toBe(false);
    const mismatch = new Error('document is a trigger');
    mismatch.name = 'DocumentTypeMismatchError';
    expect(isUnreachable(mismatch)).toBe(false);
    expect(isUnreachable('text')).toBe(false);
  });
});
