/* eslint-disable @typescript-eslint/no-require-imports -- OpenWhisk Node.js actions are CommonJS */
/**
 * hello: echoes its parameters and says where it ran: the invoker (PALETTE_INVOKER_ID), the
 * container (PALETTE_CONTAINER_ID, else a random id made when the container loaded the code), and
 * how many activations this container has run, which shows warm reuse.
 * A plain OpenWhisk Node.js action: `wsk action create hello actions/hello.js`.
 */
const containerId =
  process.env.PALETTE_CONTAINER_ID || `c-${require('node:crypto').randomBytes(4).toString('hex')}`;
let activations = 0;

function main(params) {
  activations++;
  const name = params && typeof params.name === 'string' ? params.name : 'World';
  return {
    greeting: `Hello, ${name}!`,
    params,
    invoker: process.env.PALETTE_INVOKER_ID ?? null,
    container: containerId,
    activations,
  };
}

module.exports.main = main;
