import { z } from 'zod';
import { CursorSchema, IsoDateTimeSchema, LimitSchema, ListShapeSchema, type PageOptions } from './common.ts';
import { TenantIdSchema } from './tenant.ts';

const Provenance = {
  tenant_id: TenantIdSchema,
  rule_id: z.uuid(),
  event_id: z.uuid(),
  execution_id: z.uuid(),
  created_at: IsoDateTimeSchema,
};

/** A `send_notification` result; its id is the action command id, so a redelivery cannot add a second one. */
export const NotificationSchema = z.object({
  id: z.uuid(),
  ...Provenance,
  recipient: z.string(),
  subject: z.string().optional(),
  message: z.string(),
  /** `not_configured` when no SMTP_URL is set: the outbox row is then the notification. */
  email_status: z.enum(['not_configured', 'pending', 'sent', 'failed']),
  email_error: z.string().optional(),
});
export type Notification = z.infer<typeof NotificationSchema>;

/** A `create_task` result; its id is the action command id. */
export const TaskSchema = z.object({
  id: z.uuid(),
  ...Provenance,
  title: z.string(),
  description: z.string().optional(),
  due_date: z.string().optional(),
  assignee: z.string().optional(),
  status: z.enum(['open', 'done']),
});
export type Task = z.infer<typeof TaskSchema>;

/** Query of the lists that answered a bare array before pages (notifications, tasks, rule versions). */
export const ListQuerySchema = z.strictObject({ limit: LimitSchema, cursor: CursorSchema.optional(), shape: ListShapeSchema.optional() });
export type ListOptions = PageOptions;
