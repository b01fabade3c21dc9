import { describe, expect, it } from 'vitest';
import { COLOR_KEY, ColorError, resolveColor, validateColor } from '../../../src/balancer/color.js';

const annotation = (value: unknown) => [{ key: '__palette_color', value }];

describe('resolveColor', () => {
  it('takes the invocation parameter over the action annotation', () => {
    expect(resolveColor({ __palette_color: 'user1' }, annotation('default'))).toBe('user1');
    expect(resolveColor({ other: 1 }, annotation('default'))).toBe('default');
    expect(resolveColor({}, [{ key: 'web-export', value: true }])).toBeUndefined();
    expect(resolveColor(undefined, [])).toBeUndefined();
    expect(resolveColor(['__palette_color'], [])).toBeUndefined();
  });

  it('rejects a bad parameter even when the annotation is good (no silent fallback)', () => {
    expect(() => resolveColor({ __palette_color: '' }, annotation('default'))).toThrow(ColorError);
  });

  it.each([
    ['a number', 42, /got a number/],
    ['an array', ['a'], /got an array/],
    ['an object', { a: 1 }, /got an object/],
    ['null', null, /got null/],
    ['a boolean', true, /got a boolean/],
    ['empty', '', /got an empty string/],
    ['257 characters', 'x'.repeat(257), /got a string of 257 characters/],
    ['257 emoji', '\u{1F600}'.repeat(257), /got a string of 257 characters/],
  ])('rejects %s, naming __palette_color and the rule', (_what, value, detail) => {
    for (const source of ['parameter', 'annotation'] as const) {
      const call = () =>
        source === 'parameter'
          ? resolveColor({ [COLOR_KEY]: value }, [])
          : resolveColor({}, annotation(value));
      expect(call).toThrow(ColorError);
      expect(call).toThrow(/__palette_color must be a string of 1 to 256 characters/);
      expect(call).toThrow(detail);
      expect(call).toThrow(source === 'parameter' ? /invocation parameter/ : /action annotation/);
    }
  });

  it.each([
    ['one character', 'a'],
    ['256 characters', 'y'.repeat(256)],
    ['256 emoji (512 UTF-16 units)', '\u{1F600}'.repeat(256)],
    ['spaces and slashes', 'user 1/a'],
  ])('accepts %s', (_what, value) => {
    expect(validateColor(value, 'parameter')).toBe(value);
  });

  it('marks the error as not retriable and keeps its source', () => {
    try {
      resolveColor({ __palette_color: 1 }, []);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ColorError);
      expect((err as ColorError).name).toBe('ColorError');
      expect((err as ColorError).retriable).toBe(false);
      expect((err as ColorError).source).toBe('parameter');
    }
  });
});
