/**
 * The pure parts of web actions: the extension split (OpenWhisk's mediaTranscoderForName) and the
 * raw query without the color (what a raw-http action sees as `__ow_query`).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { queryWithoutColor, splitExtension, webExtensions } from '../../../src/api/web-request.js';

const name = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_-]{0,20}$/);

describe('splitExtension', () => {
  it('a known extension is split off; any other name is whole, with .http', () => {
    fc.assert(
      fc.property(name, fc.constantFrom(...webExtensions), (base, ext) => {
        expect(splitExtension(base + ext)).toEqual({ name: base, extension: ext });
        expect(splitExtension(base)).toEqual({ name: base, extension: '.http' });
      }),
    );
  });
});

describe('queryWithoutColor', () => {
  const pair = fc.tuple(fc.oneof(name, fc.constant('__palette_color')), fc.string({ maxLength: 8 }));
  it('drops every color pair and keeps the others byte for byte, in order', () => {
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 6 }), (pairs) => {
        const encode = ([k, v]: [string, string]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`;
        const query = pairs.map(encode).join('&');
        const kept = pairs
          .filter(([k]) => k !== '__palette_color')
          .map(encode)
          .join('&');
        expect(queryWithoutColor(query)).toBe(kept);
      }),
    );
  });

  it('an encoded color key is a color key too', () => {
    expect(queryWithoutColor('a=1&__palette%5Fcolor=x&b=2')).toBe('a=1&b=2');
  });
});
