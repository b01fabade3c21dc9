/* global require, process, console, Buffer */
/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * The action runtime: what runs inside one "container" (a long-lived child process). It speaks
 * OpenWhisk's Node.js runtime protocol (apache/openwhisk-runtime-nodejs core/nodejsActionBase,
 * service.js and runner.js), so an action behaves here exactly as in an OpenWhisk nodejs container:
 *
 *   POST /init {value: {name, main, code, binary, env}}  once; evaluates the code and keeps `main`
 *   POST /run  {value: params, namespace, action_name, activation_id, deadline, ...}  per activation;
 *              every string key but `value` becomes process.env.__OW_<KEY>
 *
 * Module-level state of the action survives between runs (a warm container). After each run, and
 * after a failed init, the runtime prints the log sentinel once on stdout and once on stderr; the
 * invoker reads the container's output up to both sentinels to get the activation's logs. Replies
 * and status codes follow service.js: 403 for protocol misuse, 502 when the action failed (and the
 * container then refuses further work, status "stopped"), 200 with the result otherwise.
 *
 * Differences from the Docker image: it listens on an ephemeral loopback port and announces it to
 * the invoker over the IPC channel, and it exits when the invoker goes away (IPC disconnect).
 *
 * Plain CommonJS with Node built-ins only, so it runs unchanged under tsx and from the built tree.
 */
const http = require('node:http');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');
const { createRequire } = require('node:module');

const SENTINEL = 'XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX';
const BODY_LIMIT = 48 * 1024 * 1024;

const Status = { ready: 'ready', starting: 'starting', running: 'running', stopped: 'stopped' };
let status = Status.ready;
let userMain;

function setStatus(next) {
  if (status !== Status.stopped) status = next;
}

function writeMarkers() {
  console.log(SENTINEL);
  console.error(SENTINEL);
}

/** Evaluates inline code as runner.js does: `main` by name, else module.exports[main] / exports[main]. */
function evalInline(__code, __main) {
  // These names are what the action's code sees as its module scope (used by the eval below).
  /* eslint-disable @typescript-eslint/no-unused-vars */
  const module = { exports: {} };
  let exports = module.exports;
  const require = createRequire(path.join(process.cwd(), 'action.js'));
  /* eslint-enable @typescript-eslint/no-unused-vars */
  return eval(
    `(function(){
       ${__code}
       try {
         return ${__main}
       } catch (e) {
         if (e.name === 'ReferenceError') {
           return module.exports.${__main} || exports.${__main}
         } else throw e
       }
     })()`,
  );
}

function run(cmd, args) {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, (error, stdout, stderr) =>
      error ? reject(String(stderr).trim() || String(error)) : resolve(stdout),
    );
  });
}

function archiveType(base64) {
  const magic = Buffer.from(base64.slice(0, 8), 'base64').subarray(0, 4).toString('hex');
  if (magic === '504b0304') return 'zip';
  if (magic === '1f8b0808' || magic === '1f8b0800') return 'tar.gz';
  return 'unsupported';
}

/** Binary actions: a base64 zip or tar.gz, unpacked to a temporary folder and required (runner.js). */
async function loadArchive(code, main) {
  const type = archiveType(code);
  if (type === 'unsupported')
    throw 'There was an error uncompressing the action archive. The file type is unsupported';
  const archiveDir = fs.mkdtempSync(path.join(os.tmpdir(), 'palette-action-archive-'));
  const moduleDir = fs.mkdtempSync(path.join(os.tmpdir(), 'palette-action-'));
  const archive = path.join(archiveDir, `action.${type}`);
  fs.writeFileSync(archive, code, 'base64');
  if (type === 'zip') {
    await run('unzip', ['-qq', archive, '-d', moduleDir]).catch(() => {
      throw 'There was an error uncompressing the action Zip archive.';
    });
  } else {
    await run('tar', ['-xzf', archive, '-C', moduleDir]).catch(() => {
      throw 'There was an error uncompressing the action Tar GZ archive.';
    });
  }
  const parts = /^([^.]+)$|^([^.]+)\.(.+)$/.exec(main);
  if (!parts) throw 'Name of main function is not valid.';
  const index = parts[2];
  const fn = parts[3] || parts[1];
  process.chdir(moduleDir);
  if (index === undefined && !fs.existsSync('package.json') && !fs.existsSync('index.js')) {
    throw 'Zipped actions must contain either package.json or index.js at the root.';
  }
  const target = index !== undefined ? path.join(moduleDir, index) : moduleDir;
  return require(target)[fn];
}

async function initialize(message) {
  if (message.env && typeof message.env === 'object') {
    for (const [key, value] of Object.entries(message.env)) {
      process.env[key] =
        typeof value !== 'object' || value === null ? (value ? String(value) : '') : JSON.stringify(value);
    }
  }
  const handler = message.binary
    ? await loadArchive(message.code, message.main)
    : evalInline(message.code, message.main);
  if (typeof handler !== 'function') throw `Action entrypoint '${message.main}' is not a function.`;
  return handler;
}

/** serialize-error's shape for what a rejected promise carries. */
function serializeError(error) {
  if (typeof error === 'function') return `[Function: ${error.name || 'anonymous'}]`;
  if (typeof error !== 'object' || error === null) return error;
  const out = {};
  for (const key of Object.keys(error)) out[key] = error[key];
  for (const key of ['name', 'message', 'stack', 'code']) {
    if (typeof error[key] === 'string') out[key] = error[key];
  }
  return out;
}

/** runner.js NodeActionRunner.run: a synchronous throw rejects; a rejection becomes {error}. */
function runMain(args) {
  return new Promise((resolve, reject) => {
    let result;
    try {
      result = userMain(args);
    } catch (e) {
      reject(e);
      return;
    }
    Promise.resolve(result).then(
      (value) => resolve(value === undefined ? {} : value),
      (error) => resolve({ error: error ? serializeError(error) : {} }),
    );
  });
}

async function handleInit(body) {
  if (status === Status.ready && userMain === undefined) {
    setStatus(Status.starting);
    const message = (body && body.value) || {};
    if (
      message.main &&
      message.code &&
      typeof message.main === 'string' &&
      typeof message.code === 'string'
    ) {
      try {
        userMain = await initialize(message);
        setStatus(Status.ready);
        return [200, { OK: true }];
      } catch (error) {
        console.error('Error during initialization:', error);
        writeMarkers();
        setStatus(Status.stopped);
        return [
          502,
          {
            error: `Initialization has failed due to: ${error && error.stack ? String(error.stack) : error}`,
          },
        ];
      }
    }
    setStatus(Status.ready);
    return [403, { error: 'Missing main/no code to execute.' }];
  }
  if (userMain !== undefined) {
    console.error('Internal system error:', 'Cannot initialize the action more than once.');
    return [403, { error: 'Cannot initialize the action more than once.' }];
  }
  console.error('Internal system error:', `System not ready, status is ${status}.`);
  return [403, { error: `System not ready, status is ${status}.` }];
}

async function handleRun(body) {
  if (status !== Status.ready || userMain === undefined) {
    const msg = userMain ? `System not ready, status is ${status}.` : 'System not initialized.';
    console.error('Internal system error:', msg);
    return [403, { error: msg }];
  }
  setStatus(Status.running);
  const msg = body || {};
  if (msg.value === null || msg.value === undefined) {
    msg.value = {};
  } else if (typeof msg.value !== 'object') {
    const err = `Internal system error: the argument must be a dictionary but has type '${typeof msg.value}'.`;
    console.error('Internal system error:', err);
    return [403, { error: err }];
  }
  for (const key of Object.keys(msg)) {
    if (typeof msg[key] === 'string' && key !== 'value') process.env[`__OW_${key.toUpperCase()}`] = msg[key];
  }
  try {
    const result = await runMain(msg.value);
    if (typeof result !== 'object')
      console.error(`Result must be of type object but has type "${typeof result}":`, result);
    writeMarkers();
    setStatus(Status.ready);
    if (typeof result !== 'object') return [502, { error: 'The action did not return a dictionary.' }];
    return [200, result];
  } catch (error) {
    console.error(error);
    writeMarkers();
    setStatus(Status.stopped);
    return [502, { error: `An error has occurred: ${error}` }];
  }
}

function reply(res, code, body) {
  let text;
  try {
    text = JSON.stringify(body);
  } catch (e) {
    code = 502;
    text = JSON.stringify({ error: `An error has occurred: ${e}` });
  }
  if (text === undefined) text = '{}';
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size > BODY_LIMIT) tooLarge = true;
    else chunks.push(chunk);
  });
  req.on('end', () => {
    if (tooLarge) return reply(res, 413, { error: 'request entity too large' });
    let body;
    try {
      body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(res, 500, { error: 'Bad request.' });
    }
    const route =
      req.method === 'POST' &&
      (req.url === '/init' ? handleInit : req.url === '/run' ? handleRun : undefined);
    if (!route) return reply(res, 500, { error: 'Bad request.' });
    route(body).then(
      ([code, response]) => reply(res, code, response),
      (error) => reply(res, 500, { error: String(error) }),
    );
  });
});
// The Docker runtime disables the HTTP server timeouts too: a run may take the action's whole limit.
server.timeout = 0;
server.requestTimeout = 0;
server.keepAliveTimeout = 0;

server.listen(0, '127.0.0.1', () => {
  if (process.send) process.send({ port: server.address().port });
});
// A container never outlives its invoker.
process.on('disconnect', () => process.exit(0));
