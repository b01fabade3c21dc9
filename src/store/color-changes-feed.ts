/**
 * The colors database's changes feed, followed by long polling from a given sequence: how each
 * controller replica learns the decisions of the others (the least-assigned table's colors and the
 * co-access plans' pins share the database). An interrupted poll is retried with backoff until
 * `stop`. Design documents are not passed on; each reader picks the changes that are its own.
 */
import type nano from 'nano';
import type { Logger } from 'pino';
import { Backoff } from '../retry/backoff.js';
import { couchRequest, type CouchConnection } from './couch.js';

export interface ColorChangesFeedOptions {
  readonly logger?: Logger;
  /** Long-poll timeout of the changes feed. */
  readonly changesPollMs?: number;
  readonly maxBackoffMs?: number;
}

/** One change of the colors database, as `_changes` with `include_docs` reports it. */
export interface ColorDbChange {
  readonly id: string;
  readonly deleted: boolean;
  readonly doc: unknown;
}

export class ColorChangesFeed {
  private changes: AbortController | undefined;
  private following: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly couch: CouchConnection,
    private readonly options: ColorChangesFeedOptions,
  ) {}

  /** Follows `_changes` from `since`, handing each change (its document not yet checked) to `onChange`. */
  start(since: string, onChange: (change: ColorDbChange) => void): void {
    this.following = this.follow(since, onChange);
  }

  /** Ends the poll in progress and waits for the follower to return. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.changes?.abort();
    await this.following;
  }

  private async follow(since: string, onChange: (change: ColorDbChange) => void): Promise<void> {
    const backoff = new Backoff({ firstMs: 100, maxMs: this.options.maxBackoffMs ?? 5000 });
    while (!this.stopped) {
      this.changes = new AbortController();
      try {
        const response = await couchRequest<nano.DatabaseChangesResponse>(
          this.couch,
          {
            db: this.couch.names.colors,
            path: '_changes',
            qs: {
              since,
              feed: 'longpoll',
              timeout: this.options.changesPollMs ?? 10_000,
              include_docs: true,
              limit: 2000,
            },
          },
          this.changes.signal,
        );
        for (const change of response.results as (nano.DatabaseChangesResultItem & { doc?: unknown })[]) {
          if (change.id.startsWith('_design/')) continue;
          onChange({ id: change.id, deleted: change.deleted === true, doc: change.doc });
        }
        since = String(response.last_seq);
        backoff.reset();
      } catch (err) {
        if (this.stopped) return;
        this.options.logger?.debug({ err: String(err) }, 'colors changes feed interrupted, retrying');
        await backoff.wait();
      }
    }
  }
}
