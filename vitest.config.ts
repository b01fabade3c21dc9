import { defineConfig } from 'vitest/config';

// Unit tests need no external service (some start child processes or a loopback stand-in). Integration and conformance suites share one real Kafka
// broker and one pouchdb-server, started by test/setup/global.ts through the project's own scripts.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          globalSetup: ['test/setup/global.ts'],
        },
      },
      {
        // The dashboard in Debian's Chromium (puppeteer-core, test/support/browser.ts). The platform it
        // starts uses the in-process bus and the embedded CouchDB, so it needs no global setup.
        extends: true,
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/setup/global.ts'],
          // One file at a time (R4): scenarios start processes and load the machine.
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        // Apache OpenWhisk's own invoker (built from source, scripts/openwhisk-invoker.sh) under Palette's
        // controller, on the same broker and CouchDB. Files run one after another (each starts JVMs):
        // vitest 3 takes `fileParallelism` only at the root, so the project form is one single fork.
        extends: true,
        test: {
          name: 'openwhisk',
          include: ['test/openwhisk/**/*.test.ts'],
          globalSetup: ['test/setup/global.ts'],
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 180_000,
          hookTimeout: 45 * 60_000,
        },
      },
    ],
  },
});
