/**
 * The planner's text formats, parsed line by line into a GraphBuilder's compact arrays (R21:
 * never the whole text, never an object per edge). Pure: the caller feeds chunks as they arrive
 * (the CLI from a file stream, the REST route from the request body).
 *
 * Edge list, one co-access per line: `a b [weight]` separated by spaces, tabs or one comma; weight
 * a non-negative number (default 1). Lines that are empty or start with `#` or `%` are comments
 * (SNAP and Network Repository headers). `@rate <color> <rate>` gives a color's request rate
 * inside an edge list (the REST upload has one body).
 * Rates file, one color per line: `color rate`.
 *
 * Colors are any strings without whitespace or commas, 1 to 256 characters (Palette's limit).
 * A malformed line is refused with its number: `line 12: ...`.
 */
import type { GraphBuilder } from './graph.js';

export class EdgeListError extends Error {
  constructor(
    readonly line: number,
    problem: string,
  ) {
    super(`line ${line}: ${problem}`);
    this.name = 'EdgeListError';
  }
}

const MAX_COLOR = 256;
const MAX_LINE = 4096;
const separator = /[\s,]+/;

export type LineFormat = 'edges' | 'rates';

export class LineParser {
  private carry = '';
  private lineNumber = 0;
  private edges = 0;
  private rates = 0;

  constructor(
    private readonly builder: GraphBuilder,
    private readonly format: LineFormat,
  ) {}

  get counts(): { lines: number; edges: number; rates: number } {
    return { lines: this.lineNumber, edges: this.edges, rates: this.rates };
  }

  /** Takes the next piece of text; whole lines are parsed now, a partial one waits for the rest. */
  feed(text: string): void {
    let start = 0;
    const data = this.carry + text;
    for (let nl = data.indexOf('\n'); nl >= 0; nl = data.indexOf('\n', start)) {
      this.line(data.slice(start, nl));
      start = nl + 1;
    }
    this.carry = data.slice(start);
    if (this.carry.length > MAX_LINE)
      throw new EdgeListError(this.lineNumber + 1, `longer than ${MAX_LINE} characters`);
  }

  /** The text has ended: parses a last line without a newline. */
  end(): void {
    if (this.carry !== '') this.line(this.carry);
    this.carry = '';
  }

  private line(raw: string): void {
    const n = ++this.lineNumber;
    const text = raw.trim();
    if (text === '' || text.startsWith('#') || text.startsWith('%')) return;
    const fields = text.split(separator);
    if (this.format === 'rates' || fields[0] === '@rate') {
      const [color, value, extra] = this.format === 'rates' ? fields : fields.slice(1);
      if (color === undefined || value === undefined || extra !== undefined)
        throw new EdgeListError(n, `expected "${this.format === 'rates' ? '' : '@rate '}<color> <rate>"`);
      this.builder.setWeight(checkColor(n, color), number(n, value, 'rate'));
      this.rates++;
      return;
    }
    const [a, b, weight, extra] = fields;
    if (b === undefined || extra !== undefined)
      throw new EdgeListError(n, 'expected "<color> <color> [weight]"');
    this.builder.addEdge(
      checkColor(n, a!),
      checkColor(n, b),
      weight === undefined ? 1 : number(n, weight, 'weight'),
    );
    this.edges++;
  }
}

function checkColor(line: number, color: string): string {
  if (color.length > MAX_COLOR)
    throw new EdgeListError(line, `a color is longer than ${MAX_COLOR} characters`);
  return color;
}

function number(line: number, text: string, what: string): number {
  const value = Number(text);
  if (text === '' || !Number.isFinite(value) || value < 0)
    throw new EdgeListError(
      line,
      `${what} must be a non-negative number, got ${JSON.stringify(text.slice(0, 40))}`,
    );
  return value;
}
