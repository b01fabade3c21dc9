/**
 * The social-network trace replayed through the real platform: startPlatform (controller, REST
 * API, N invokers running the `timeline` action in warm child processes), a posts database in
 * CouchDB, and blocking invokes with `result=true` through the REST API, one closed loop per color
 * (ClosedLoopDispatcher, the same discipline the simulation models). Hits, misses and the invoker
 * come from each activation's result; off-home placements from the controller's metrics.
 *
 * One CouchDB (an embedded pouchdb-server, or COUCHDB_URL) serves every policy's platform; each
 * platform gets its own database prefix and a fresh set of invokers, so caches start empty.
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { startEmbeddedCouch, type EmbeddedCouch } from '../../src/platform/embedded-couch.js';
import { startPlatform, type Platform } from '../../src/platform/platform.js';
import { connectCouch, PinStore } from '../../src/store/index.js';
import { ClosedLoopDispatcher } from '../lib/closed-loop.js';
import { Progress } from '../lib/progress.js';
import { DEFAULT_SIM, summarize, type PolicySpec, type RunResult } from '../lib/social-sim.js';
import type { SocialRequest, Trace } from '../lib/social-trace.js';

export interface PlatformRunOptions {
  readonly invokers: number;
  readonly concurrency: number;
  readonly window: number;
  readonly cacheSize: number;
  /** Start the project's Kafka broker and run invokers as processes instead of the in-process bus. */
  readonly kafka: boolean;
}

const POSTS_DB = 'bench_posts';
/** The invoker's answer when it could not start a container (src/invoker/activation-result.ts). */
const PROVISION_ERROR = 'Failed to provision resources to run the action.';

interface TimelineResult {
  hits: number;
  misses: number;
  invoker: string | null;
  container: string | null;
  missing?: string[];
  error?: string;
}

/** A CouchDB for all runs of one bench invocation: COUCHDB_URL if set, else an embedded one. */
export async function benchCouch(): Promise<{ url: string; stop: () => Promise<void> }> {
  if (process.env.COUCHDB_URL) return { url: process.env.COUCHDB_URL, stop: async () => {} };
  const couch: EmbeddedCouch = await startEmbeddedCouch();
  return { url: couch.url, stop: () => couch.stop() };
}

async function couch(url: string, path: string, init: RequestInit = {}): Promise<Response> {
  const target = new URL(url.replace(/\/$/, '') + path);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (target.username) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(target.username)}:${decodeURIComponent(target.password)}`).toString('base64')}`;
    target.username = '';
    target.password = '';
  }
  return fetch(target, { ...init, headers });
}

/** Creates the posts database (every user's posts) unless it already holds them. */
export async function seedPosts(couchUrl: string, users: number, postsPerUser: number): Promise<void> {
  const created = await couch(couchUrl, `/${POSTS_DB}`, { method: 'PUT' });
  if (created.status === 412) {
    const info = (await (await couch(couchUrl, `/${POSTS_DB}`)).json()) as { doc_count: number };
    if (info.doc_count >= users * postsPerUser) return;
  } else if (!created.ok) throw new Error(`creating ${POSTS_DB}: HTTP ${created.status}`);
  const docs = [];
  for (let u = 0; u < users; u++) {
    for (let n = 0; n < postsPerUser; n++) {
      docs.push({
        _id: `post:${u}:${n}`,
        author: String(u),
        n,
        text: `post ${n} of user ${u}: ${'x'.repeat(200)}`,
      });
    }
  }
  for (let i = 0; i < docs.length; i += 2000) {
    const reply = await couch(couchUrl, `/${POSTS_DB}/_bulk_docs`, {
      method: 'POST',
      body: JSON.stringify({ docs: docs.slice(i, i + 2000) }),
    });
    if (!reply.ok) throw new Error(`seeding posts: HTTP ${reply.status}`);
  }
}

/**
 * Pins a co-access plan for the guest namespace in the run's colors database before its controller
 * starts (as `npm run plan -- --namespace guest` would), so the controller loads it at start.
 */
async function pinPlan(
  couchUrl: string,
  prefix: string,
  assignment: Iterable<readonly [string, number]>,
): Promise<void> {
  const couch = await connectCouch({ url: couchUrl, prefix });
  const store = new PinStore({ set: () => undefined, delete: () => false }, couch, { controllerId: 'bench' });
  await store.writePlan('guest', assignment, { source: 'bench:social' });
}

async function createTimelineAction(platform: Platform, auth: string): Promise<void> {
  const code = readFileSync(new URL('../../actions/timeline.js', import.meta.url), 'utf8');
  const reply = await fetch(`${platform.apiHost}/api/v1/namespaces/_/actions/timeline?overwrite=true`, {
    method: 'PUT',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ exec: { kind: 'nodejs:20', code } }),
  });
  if (reply.status !== 200)
    throw new Error(`creating the timeline action: HTTP ${reply.status} ${await reply.text()}`);
}

/** Socket errors where the request never reached the API (a kept-alive socket the server had just closed). */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);

/**
 * POSTs one invoke; on a reset kept-alive socket (common on a loaded machine) tries again, twice at
 * most. Any other failure names its cause.
 */
async function postRetryingReset(url: string, auth: string, body: string, index: number): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body,
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      if (attempt < 2 && cause?.code && RESET_CODES.has(cause.code)) continue;
      throw new Error(`request ${index}: ${String(error)} (${cause?.code ?? cause?.message ?? 'no cause'})`);
    }
  }
}

export async function runOnPlatform(
  trace: Trace,
  spec: PolicySpec,
  options: PlatformRunOptions,
  couchUrl: string,
): Promise<RunResult> {
  const prefix = `b${randomBytes(4).toString('hex')}_`;
  const pins = spec.platform?.pins?.(trace, options.invokers);
  if (pins) await pinPlan(couchUrl, prefix, pins);
  const platform = await startPlatform({
    projectKafka: options.kafka,
    overrides: {
      port: 0,
      invokers: options.invokers,
      policy: spec.policy,
      bound: spec.bound,
      // R21: the paper's rows run without hot-color replication, whatever its product default.
      replication: spec.platform?.replication ? 'on' : 'off',
      couchdbUrl: couchUrl,
      dbPrefix: prefix,
      kafkaTopicPrefix: prefix,
      logLevel: 'silent',
    },
  });
  try {
    // The simulation models bounded loads with the platform's default floor; a run under another
    // PALETTE_BOUND_FLOOR would not be comparable.
    if (platform.config.boundFloor !== DEFAULT_SIM.boundFloor) {
      throw new Error(
        `PALETTE_BOUND_FLOOR=${platform.config.boundFloor}; the simulation assumes ${DEFAULT_SIM.boundFloor} (the default)`,
      );
    }
    await platform.waitForHealthyInvokers(options.invokers, 120_000);
    const auth = `Basic ${Buffer.from(platform.authKey).toString('base64')}`;
    await createTimelineAction(platform, auth);
    const url = `${platform.apiHost}/api/v1/namespaces/_/actions/timeline?blocking=true&result=true`;
    const loads = new Array<number>(options.invokers).fill(0);
    let hits = 0;
    let postReads = 0;
    const containers = new Set<string>();
    let provisionRetries = 0;
    const progress = new Progress(`  platform ${spec.label} @${options.invokers}`, trace.requests.length);
    const dispatcher = new ClosedLoopDispatcher(trace.requests, options.concurrency, options.window);
    const began = Date.now();

    const invoke = async (request: SocialRequest): Promise<void> => {
      const params = {
        kind: request.kind,
        user: String(request.user),
        ...(request.friends ? { friends: request.friends.map(String) } : {}),
        count: trace.options.timelineLength,
        postsPerUser: trace.options.postsPerUser,
        cacheSize: options.cacheSize,
        db: POSTS_DB,
        __palette_color: request.color,
      };
      let reply = await postRetryingReset(url, auth, JSON.stringify(params), request.index);
      let body = (await reply.json()) as TimelineResult;
      // A container that did not start in time (a loaded machine) is a whisk error: nothing ran, so
      // the client asks again, as a caller of OpenWhisk would; counted and reported.
      for (let again = 0; again < 3 && reply.status >= 500 && body.error === PROVISION_ERROR; again++) {
        provisionRetries++;
        await new Promise((r) => setTimeout(r, 1000));
        reply = await postRetryingReset(url, auth, JSON.stringify(params), request.index);
        body = (await reply.json()) as TimelineResult;
      }
      if (reply.status !== 200 || body.error || body.missing?.length) {
        throw new Error(`request ${request.index}: HTTP ${reply.status} ${JSON.stringify(body)}`);
      }
      if (body.hits + body.misses !== request.posts.length) {
        throw new Error(
          `request ${request.index}: read ${body.hits + body.misses} posts, expected ${request.posts.length}`,
        );
      }
      hits += body.hits;
      postReads += request.posts.length;
      loads[Number(body.invoker)]!++;
      containers.add(`${body.invoker}/${body.container}`);
    };

    await new Promise<void>((resolve, reject) => {
      let failed = false;
      const pump = () => {
        if (failed) return;
        if (dispatcher.done) return resolve();
        for (let request = dispatcher.next(); request; request = dispatcher.next()) {
          const issued = request;
          invoke(issued).then(
            () => {
              dispatcher.complete(issued);
              progress.update(dispatcher.finished);
              pump();
            },
            (error: unknown) => {
              failed = true;
              reject(error);
            },
          );
        }
      };
      pump();
    });
    const seconds = (Date.now() - began) / 1000;
    progress.finish(
      `${(trace.requests.length / seconds).toFixed(0)} req/s${provisionRetries ? `, ${provisionRetries} requests asked again after a failed container start` : ''}`,
    );
    const offHome = (await platform.metrics.offHome.get()).values.reduce((sum, v) => sum + v.value, 0);
    const placedBy = (await platform.metrics.placedBy.get()).values;
    const placed = (reason: string) =>
      placedBy.filter((v) => v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
    // A plan that never placed anything was not followed: the row would be consistent hashing's.
    if (pins && placed('planned') === 0)
      throw new Error(`${spec.label}: the controller placed nothing by the plan`);
    return {
      ...summarize(spec.label, 'platform', hits, postReads, loads, offHome, containers.size, seconds),
      planned: placed('planned'),
      replica: placed('replica'),
    };
  } finally {
    await platform.stop();
  }
}
