export * from './primitives.js';
export * from './activation-message.js';
export * from './acknowledgement.js';
export * from './ping.js';
export * from './whisk-activation.js';
export * from './action.js';
export * from './builders.js';
export * from './views.js';
