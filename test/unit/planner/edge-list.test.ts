import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EdgeListError, LineParser } from '../../../src/planner/edge-list.js';
import { GraphBuilder } from '../../../src/planner/graph.js';

function parse(text: string, chunks: number[] = [], format: 'edges' | 'rates' = 'edges') {
  const builder = new GraphBuilder(1);
  const parser = new LineParser(builder, format);
  let at = 0;
  for (const size of chunks) {
    parser.feed(text.slice(at, at + size));
    at += size;
  }
  parser.feed(text.slice(at));
  parser.end();
  return { graph: builder.build(), counts: parser.counts };
}

describe('edge list parsing', () => {
  it('reads edges, weights, rates and comments, whatever the chunking', () => {
    const text = '% header\n# comment\na b\nb,c,2.5\n\n@rate a 10\nc\ta 0\r\nd e';
    fc.assert(
      fc.property(fc.array(fc.nat(8), { maxLength: 10 }), (chunks) => {
        const { graph, counts } = parse(text, chunks);
        expect(graph.ids).toEqual(['a', 'b', 'c', 'd', 'e']);
        expect(counts).toEqual({ lines: 8, edges: 4, rates: 1 });
        expect([...graph.nodeWeight]).toEqual([10, 1, 1, 1, 1]);
        expect(graph.totalEdgeWeight).toBe(4.5);
      }),
    );
  });

  it('refuses a malformed line with its number', () => {
    const cases: [string, RegExp][] = [
      ['a b\nlonely\n', /^line 2: expected/],
      ['a b\nc d -1\n', /^line 2: weight must be a non-negative number/],
      ['a b x\n', /^line 1: weight must be/],
      ['a b 1 2\n', /^line 1: expected/],
      ['\n\n@rate a\n', /^line 3: expected "@rate/],
      [`${'x'.repeat(300)} b\n`, /^line 1: a color is longer than 256/],
      ['y'.repeat(5000), /^line 1: longer than 4096/],
    ];
    for (const [text, message] of cases) {
      expect(() => parse(text)).toThrow(EdgeListError);
      expect(() => parse(text)).toThrow(message);
    }
  });

  it('reads a rates file: color and rate per line', () => {
    const builder = new GraphBuilder(1);
    const parser = new LineParser(builder, 'rates');
    parser.feed('a 3\nb 4');
    parser.end();
    expect(builder.build().nodeWeight).toEqual(new Float64Array([3, 4]));
    expect(() => parse('a 3\nb\n', [], 'rates')).toThrow(/^line 2: expected "<color> <rate>"/);
    expect(() => parse('a NaN\n', [], 'rates')).toThrow(/^line 1: rate must be/);
  });
});
