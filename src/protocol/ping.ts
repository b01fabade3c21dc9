/**
 * PingMessage: every invoker -> `health`, once a second (InvokerReactive.pingController). The
 * invoker's identity sits under the key `name`; `isEnabled` missing means enabled.
 */
import { z } from 'zod';
import { invokerInstanceIdSchema } from './primitives.js';

export const pingMessageSchema = z
  .object({
    name: invokerInstanceIdSchema,
    isEnabled: z.boolean().optional(),
  })
  .passthrough();
export type PingMessage = z.infer<typeof pingMessageSchema>;

export function parsePing(json: string): PingMessage {
  return pingMessageSchema.parse(JSON.parse(json));
}

export function serializePing(ping: PingMessage): string {
  return JSON.stringify(pingMessageSchema.parse(ping));
}
