/* eslint-disable @typescript-eslint/no-require-imports */
/* global require, process */
// Preloaded into OpenWhisk's action proxy by the docker stand-in (`node --require listen-shim.cjs app.js`).
// In a real container the proxy listens on 0.0.0.0:8080 of its own network namespace; here all
// containers share the host's, so every listen on port 8080 is bound to the container's own loopback
// address 127.0.0.N instead (PALETTE_STANDIN_LISTEN), which is what `docker inspect` reports to the
// invoker. Nothing else is changed, and the variable is removed before the action's code can see it.
'use strict';
const net = require('node:net');

const address = process.env.PALETTE_STANDIN_LISTEN;
delete process.env.PALETTE_STANDIN_LISTEN;
if (!address) throw new Error('listen-shim: PALETTE_STANDIN_LISTEN is not set');

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const first = args[0];
  if (first === 8080 || first === '8080') {
    const rest = typeof args[1] === 'string' ? args.slice(2) : args.slice(1);
    return listen.call(this, 8080, address, ...rest);
  }
  if (first && typeof first === 'object' && Number(first.port) === 8080) {
    return listen.call(this, { ...first, host: address }, ...args.slice(1));
  }
  return listen.apply(this, args);
};
