import { describe, expect, it } from 'vitest';
import { abortAck, ackPlan, buildAck, shrunkAck } from '../../../src/invoker/ack-plan.js';
import {
  acknowledgedActivationId,
  invokerInstanceId,
  parseAcknowledgement,
  serializeAcknowledgement,
} from '../../../src/protocol/index.js';
import type { ActivationMessage, WhiskActivation } from '../../../src/protocol/index.js';

const instance = invokerInstanceId(3, 1024);
const msg = (blocking: boolean) =>
  ({
    transid: ['tid', 1],
    activationId: 'a'.repeat(32),
    blocking,
    rootControllerIndex: { asString: 'c0', instanceType: 'controller' },
  }) as unknown as ActivationMessage;
const record = (statusCode: 0 | 1 | 2 | 3): WhiskActivation => ({
  namespace: 'guest',
  name: 'a',
  subject: 'guest',
  activationId: 'a'.repeat(32),
  start: 1,
  end: 2,
  response: { status: 'x', statusCode, success: statusCode === 0, result: {} },
  logs: [],
  version: '0.0.1',
  publish: false,
  annotations: [],
});

describe('acknowledgement plan (the table in invoker.ts)', () => {
  it('blocking with logs: result at once, completion after the logs', () => {
    expect(ackPlan(true, true)).toEqual({ atResult: 'result', afterLogs: 'completion' });
  });
  it('blocking without logs: one combined ack at once', () => {
    expect(ackPlan(true, false)).toEqual({ atResult: 'combined' });
  });
  it('non-blocking: one completion, after the logs when logs are collected', () => {
    expect(ackPlan(false, true)).toEqual({ afterLogs: 'completion' });
    expect(ackPlan(false, false)).toEqual({ atResult: 'completion' });
  });
  it('a completion is a system error exactly for status code 3, and every ack round-trips through the schema', () => {
    for (const code of [0, 1, 2, 3] as const) {
      for (const kind of ['result', 'combined', 'completion'] as const) {
        const ack = buildAck(kind, msg(true), record(code), instance);
        const back = parseAcknowledgement(serializeAcknowledgement(ack));
        expect(back.kind).toBe(kind);
        expect(acknowledgedActivationId(back)).toBe('a'.repeat(32));
        if (back.kind !== 'result') expect(back.message.isSystemError).toBe(code === 3);
      }
    }
  });
  it('an aborted activation: combined for a blocking caller, completion otherwise', () => {
    expect(abortAck(msg(true), record(3), instance).kind).toBe('combined');
    expect(abortAck(msg(false), record(3), instance).kind).toBe('completion');
  });
  it('shrinking keeps the id and drops the record; a completion cannot shrink', () => {
    const shrunk = shrunkAck(buildAck('combined', msg(true), record(0), instance), 'a'.repeat(32));
    expect(shrunk?.kind === 'combined' && shrunk.message.response).toBe('a'.repeat(32));
    expect(shrunkAck(buildAck('completion', msg(true), record(0), instance), 'x')).toBeUndefined();
  });
});
