/**
 * A loopback stand-in for CouchDB's color database at a size pouchdb-server cannot hold in this
 * machine's time budget: it answers exactly what PersistentColorTable's loader asks, in CouchDB's
 * formats, generating the documents on the fly:
 * - `GET /<db>`: the database info (`update_seq`);
 * - `GET /<db>/_all_docs?include_docs=true&limit=L[&startkey="id"]`: `{total_rows, offset, rows}`,
 *   each row `{id, key, value: {rev}, doc}`, ids in CouchDB's (ASCII) order;
 * - `GET /<db>/_changes?feed=longpoll...`: held until the timeout, then `{results: [], last_seq}`.
 * Color i (0-based) is `user-<10000000 + i>` (13 characters): fixed width, so id order is i order.
 * Run as a child: `--child serve-pages <colors> <invokers>`; prints `{"port": N}` once listening.
 */
import { createServer } from 'node:http';

const base = 10_000_000;
export const colorName = (i: number): string => `user-${base + i}`;

export function servePages(colors: number, invokers: number, dbName: string): Promise<number> {
  const prefix = 'color:user-';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const parts = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    if (parts[0] !== dbName) {
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end('{"error":"not_found","reason":"missing"}');
      return;
    }
    if (parts.length === 1) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ db_name: dbName, doc_count: colors, update_seq: String(colors) }));
      return;
    }
    if (parts[1] === '_changes') {
      const timeout = Number(url.searchParams.get('timeout') ?? 10_000);
      const timer = setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ results: [], last_seq: String(colors) }));
      }, timeout);
      req.on('close', () => clearTimeout(timer));
      return;
    }
    if (parts[1] !== '_all_docs') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    const limit = Number(url.searchParams.get('limit') ?? colors);
    const startkey = url.searchParams.get('startkey');
    let from = 0;
    if (startkey) {
      const id = JSON.parse(startkey) as string;
      from = id.startsWith(prefix) ? Math.max(0, Number(id.slice(prefix.length)) - base) : colors;
    }
    const to = Math.min(colors, from + limit);
    res.writeHead(200, { 'content-type': 'application/json' });
    // Written in chunks of rows, as CouchDB streams a view.
    let out = `{"total_rows":${colors},"offset":${from},"rows":[\n`;
    for (let i = from; i < to; i++) {
      const color = colorName(i);
      const id = `color:${color}`;
      const rev = `1-${((i * 2_654_435_761) >>> 0).toString(16).padStart(8, '0')}aaaaaaaaaaaaaaaaaaaaaaaa`;
      out += `${i > from ? ',\n' : ''}{"id":"${id}","key":"${id}","value":{"rev":"${rev}"},"doc":{"_id":"${id}","_rev":"${rev}","color":"${color}","invoker":${i % invokers},"assignedAt":1700000000000,"controller":"palette0"}}`;
      if (out.length > 1 << 16) {
        res.write(out);
        out = '';
      }
    }
    res.end(`${out}\n]}`);
  });
  // The loader checks a page's 5,000 documents before asking for the next: keep its connection.
  server.keepAliveTimeout = 120_000;
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );
}
