/**
 * The runtime manifest Palette uses when RUNTIMES_MANIFEST is not set: a verbatim copy of
 * apache/openwhisk@1fae641a2b30bccb7ddc69d2d215866d899a8510 `ansible/files/runtimes.json` (the commit
 * of ../shared/tools/openwhisk-src and the conformance judge), Apache License 2.0. Kept as a module
 * rather than a .json file so the build needs no copy step; test/unit/protocol/runtimes.test.ts
 * compares it with the pinned commit's file when the shared tools are present.
 */
export const bundledRuntimesManifest: unknown = {
  description: [
    'This file describes the different languages (aka. managed action runtimes) supported by the system',
    'as well as blackbox images that support the runtime specification.',
    'Only actions with runtime families / kinds defined here can be created / read / updated / deleted / invoked.',
    "Define a list of runtime families (example: 'nodejs') with at least one kind per family (example: 'nodejs:20').",
    'Each runtime family needs a default kind (default: true).',
    'When removing or renaming runtime families or runtime kinds from this file, preexisting actions',
    'with the affected kinds can no longer be read / updated / deleted / invoked. In order to remove or rename',
    'runtime families or runtime kinds, mark all affected runtime kinds as deprecated (deprecated: true) and',
    'perform a manual migration of all affected actions.',
    '',
    'This file is meant to list all stable runtimes supported by the Apache Openwhisk community.',
  ],
  runtimes: {
    nodejs: [
      {
        kind: 'nodejs:18',
        default: false,
        image: {
          prefix: 'openwhisk',
          name: 'action-nodejs-v18',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
      {
        kind: 'nodejs:20',
        default: true,
        image: {
          prefix: 'openwhisk',
          name: 'action-nodejs-v20',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
        stemCells: [
          {
            initialCount: 2,
            memory: '256 MB',
            reactive: {
              minCount: 1,
              maxCount: 4,
              ttl: '2 minutes',
              threshold: 1,
              increment: 1,
            },
          },
        ],
      },
    ],
    python: [
      {
        kind: 'python:3.10',
        default: true,
        image: {
          prefix: 'openwhisk',
          name: 'action-python-v3.10',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
      {
        kind: 'python:3.11',
        default: false,
        image: {
          prefix: 'openwhisk',
          name: 'action-python-v3.11',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
    ],
    swift: [
      {
        kind: 'swift:5.3',
        default: true,
        image: {
          prefix: 'openwhisk',
          name: 'action-swift-v5.3',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
      {
        kind: 'swift:5.7',
        default: false,
        image: {
          prefix: 'openwhisk',
          name: 'action-swift-v5.7',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
    ],
    java: [
      {
        kind: 'java:8',
        default: true,
        image: {
          prefix: 'openwhisk',
          name: 'java8action',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
        requireMain: true,
      },
    ],
    php: [
      {
        kind: 'php:8.1',
        default: true,
        deprecated: false,
        image: {
          prefix: 'openwhisk',
          name: 'action-php-v8.1',
          tag: 'nightly',
        },
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
    ],
    ruby: [
      {
        kind: 'ruby:2.5',
        default: true,
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
        image: {
          prefix: 'openwhisk',
          name: 'action-ruby-v2.5',
          tag: 'nightly',
        },
      },
    ],
    go: [
      {
        kind: 'go:1.20',
        default: true,
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
        image: {
          prefix: 'openwhisk',
          name: 'action-golang-v1.20',
          tag: 'nightly',
        },
      },
    ],
    dotnet: [
      {
        kind: 'dotnet:3.1',
        default: true,
        deprecated: false,
        requireMain: true,
        image: {
          prefix: 'openwhisk',
          name: 'action-dotnet-v3.1',
          tag: 'nightly',
        },
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
      {
        kind: 'dotnet:6.0',
        default: false,
        deprecated: false,
        requireMain: true,
        image: {
          prefix: 'openwhisk',
          name: 'action-dotnet-v6.0',
          tag: 'nightly',
        },
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
    ],
    rust: [
      {
        kind: 'rust:1.34',
        default: true,
        image: {
          prefix: 'openwhisk',
          name: 'action-rust-v1.34',
          tag: 'nightly',
        },
        deprecated: false,
        attached: {
          attachmentName: 'codefile',
          attachmentType: 'text/plain',
        },
      },
    ],
  },
  blackboxes: [
    {
      prefix: 'openwhisk',
      name: 'dockerskeleton',
      tag: 'nightly',
    },
  ],
};
