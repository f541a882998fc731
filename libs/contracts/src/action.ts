import { z } from 'zod';
import { IsoDurationSchema } from './duration.ts';

/** Every string parameter may hold `{{path}}` templates, rendered by the engine. */
const text = (max: number) => z.string().min(1).max(max);

export const SendNotificationParametersSchema = z.strictObject({
  recipient: text(320),
  message: text(10_000),
  subject: text(300).optional(),
});

export const UpdateStatusParametersSchema = z.strictObject({
  entity_id: text(200),
  new_status: text(100),
  entity_type: z.enum(['contact', 'lead', 'opportunity']).optional(),
});

export const CreateTaskParametersSchema = z.strictObject({
  title: text(500),
  description: text(10_000).optional(),
  due_date: text(100).optional(),
  /** Due this long after the event's time (an ISO-8601 duration); the executor sets `due_date` from it. */
  due_in: IsoDurationSchema.optional(),
  assignee: text(320).optional(),
});

/** Hop-by-hop headers (RFC 9110 §7.6.1) and those the HTTP client itself must own. */
export const FORBIDDEN_WEBHOOK_HEADERS: ReadonlySet<string> = new Set([
  'host', 'connection', 'keep-alive', 'proxy-connection', 'proxy-authorization', 'proxy-authenticate', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'content-length', 'expect', 'idempotency-key', 'x-flowline-signature',
]);

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$/;

/** A JSON body template: strings anywhere in it may hold `{{path}}` placeholders. */
const WebhookBodySchema = z.union([z.record(z.string().max(200), z.unknown()), z.array(z.unknown())]);

export const CallWebhookParametersSchema = z.strictObject({
  url: text(2048),
  method: z.enum(['POST', 'GET', 'PUT', 'PATCH', 'DELETE']).optional(),
  headers: z
    .record(z.string().regex(HEADER_NAME, 'must be an HTTP header name'), z.string().max(2000))
    .refine((headers) => Object.keys(headers).length <= 20, 'at most 20 headers')
    .refine((headers) => Object.keys(headers).every((name) => !FORBIDDEN_WEBHOOK_HEADERS.has(name.toLowerCase())), {
      message: `hop-by-hop headers and ${['Host', 'Content-Length', 'Idempotency-Key', 'X-Flowline-Signature'].join(', ')} are set by Flowline and may not be given`,
    })
    .optional(),
  /** Sent as JSON; when absent, the default envelope (see docs/api.md) is sent. */
  body: WebhookBodySchema.optional(),
});

export const SendNotificationActionSchema = z.strictObject({
  type: z.literal('send_notification'),
  parameters: SendNotificationParametersSchema,
});
export const UpdateStatusActionSchema = z.strictObject({
  type: z.literal('update_status'),
  parameters: UpdateStatusParametersSchema,
});
export const CreateTaskActionSchema = z.strictObject({
  type: z.literal('create_task'),
  parameters: CreateTaskParametersSchema,
});

export const CallWebhookActionSchema = z.strictObject({
  type: z.literal('call_webhook'),
  parameters: CallWebhookParametersSchema,
});

/**
 * When an action runs, if not at once: after `delay` (from the moment its rule matched), or at
 * `run_at` (a template rendering an ISO time). A scheduled action whose rule is inactive by then
 * is cancelled, unless `run_if_rule_inactive`.
 */
export const ActionScheduleShape = {
  delay: IsoDurationSchema.optional(),
  run_at: text(200).optional(),
  run_if_rule_inactive: z.boolean().optional(),
};

export const ActionSchema = z
  .discriminatedUnion('type', [
    SendNotificationActionSchema.extend(ActionScheduleShape),
    UpdateStatusActionSchema.extend(ActionScheduleShape),
    CreateTaskActionSchema.extend(ActionScheduleShape),
    CallWebhookActionSchema.extend(ActionScheduleShape),
  ])
  .refine((a) => !(a.delay !== undefined && a.run_at !== undefined), { message: 'give either delay or run_at, not both', path: ['run_at'] });

export type Action = z.infer<typeof ActionSchema>;
export type ActionType = Action['type'];
export const ACTION_TYPES = ['send_notification', 'update_status', 'create_task', 'call_webhook'] as const satisfies readonly ActionType[];
