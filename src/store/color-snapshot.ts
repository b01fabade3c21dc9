/**
 * The colors database as it is now, read page by page through `_all_docs` at a controller's start.
 * Design documents and planning documents are not passed on.
 */
import type nano from 'nano';
import type { ColorDoc } from './color-docs.js';
import { isPlanningDocId } from './pin-docs.js';

const PAGE_SIZE = 5000;

/** Hands every color document (not yet checked) to `visit`, in id order. */
export async function readColorSnapshot(
  db: nano.DocumentScope<ColorDoc>,
  visit: (raw: unknown) => void,
): Promise<void> {
  let startkey: string | undefined;
  for (;;) {
    const page = await db.list({
      include_docs: true,
      limit: PAGE_SIZE + 1,
      ...(startkey !== undefined ? { startkey } : {}),
    });
    const rows = page.rows.slice(0, PAGE_SIZE);
    for (const row of rows) {
      if (row.id.startsWith('_design/') || isPlanningDocId(row.id)) continue;
      visit(row.doc);
    }
    const next = page.rows[PAGE_SIZE];
    if (!next) return;
    startkey = next.id;
  }
}
