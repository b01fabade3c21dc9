import { describe, expect, it } from 'vitest';
import {
  actionDocumentSchema,
  activationDocumentSchema,
  parseAcknowledgement,
  parseActivationMessage,
  parsePing,
  serializeAcknowledgement,
  serializeActivationMessage,
  serializePing,
} from '../../../src/protocol/index.js';
import { openwhiskFixtures } from '../../support/fixtures.js';

const roundTrip: Record<string, (json: string) => string> = {
  activation: (json) => serializeActivationMessage(parseActivationMessage(json)),
  ack: (json) => serializeAcknowledgement(parseAcknowledgement(json)),
  ping: (json) => serializePing(parsePing(json)),
  'whisk-activation': (json) => JSON.stringify(activationDocumentSchema.parse(JSON.parse(json))),
  action: (json) => JSON.stringify(actionDocumentSchema.parse(JSON.parse(json))),
};

describe('OpenWhisk samples parse with our schemas and serialize back to the same JSON', () => {
  const fixtures = openwhiskFixtures();
  it('has samples of every kind', () => {
    expect(new Set(fixtures.map((f) => f.kind))).toEqual(new Set(Object.keys(roundTrip)));
  });
  for (const fixture of fixtures) {
    it(`${fixture.kind} ${fixture.label}`, () => {
      const back = roundTrip[fixture.kind]!(fixture.json);
      expect(JSON.parse(back)).toEqual(JSON.parse(fixture.json));
    });
  }
});

describe('acknowledgements are classified by their keys, as OpenWhisk does', () => {
  const expected: Record<string, string> = {
    'result-blocking': 'result',
    'completion-after-logs': 'completion',
    'combined-blocking': 'combined',
    'combined-non-blocking-shrunk': 'combined',
    'completion-non-blocking': 'completion',
    'combined-whisk-error': 'combined',
    'completion-invoker-health': 'completion',
  };
  for (const fixture of openwhiskFixtures('ack')) {
    it(fixture.label, () => {
      expect(parseAcknowledgement(fixture.json).kind).toBe(expected[fixture.label]);
    });
  }
  it('a completion never carries a response key, not even null', () => {
    const fixture = openwhiskFixtures('ack').find((f) => f.label === 'completion-non-blocking')!;
    const ack = parseAcknowledgement(fixture.json);
    expect(serializeAcknowledgement(ack)).not.toContain('"response"');
  });
});

describe('required fields are enforced', () => {
  const activation = openwhiskFixtures('activation')[0]!.json;
  for (const field of [
    'initArgs',
    'lockedArgs',
    'revision',
    'user',
    'transid',
    'rootControllerIndex',
    'blocking',
  ]) {
    it(`an ActivationMessage without ${field} is rejected`, () => {
      const value = JSON.parse(activation) as Record<string, unknown>;
      delete value[field];
      expect(() => parseActivationMessage(JSON.stringify(value))).toThrow();
    });
  }
  for (const field of ['rights', 'limits', 'authkey']) {
    it(`an ActivationMessage whose user lacks ${field} is rejected`, () => {
      const value = JSON.parse(activation) as { user: Record<string, unknown> };
      delete value.user[field];
      expect(() => parseActivationMessage(JSON.stringify(value))).toThrow();
    });
  }
  it('an action document without updated is rejected', () => {
    const value = JSON.parse(openwhiskFixtures('action')[0]!.json) as Record<string, unknown>;
    delete value.updated;
    expect(actionDocumentSchema.safeParse(value).success).toBe(false);
  });
  it('upper-case activation ids are rejected', () => {
    const value = JSON.parse(activation) as Record<string, unknown>;
    value.activationId = String(value.activationId).toUpperCase();
    expect(() => parseActivationMessage(JSON.stringify(value))).toThrow();
  });
  it('unknown fields survive a round trip', () => {
    const value = JSON.parse(activation) as Record<string, unknown>;
    value.futureField = { nested: [1, 2] };
    expect(JSON.parse(serializeActivationMessage(parseActivationMessage(JSON.stringify(value))))).toEqual(
      value,
    );
  });
});
