import { z } from 'zod';

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
  assignee: text(320).optional(),
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

export const ActionSchema = z.discriminatedUnion('type', [
  SendNotificationActionSchema,
  UpdateStatusActionSchema,
  CreateTaskActionSchema,
]);

export type Action = z.infer<typeof ActionSchema>;
export type ActionType = Action['type'];
export const ACTION_TYPES = ['send_notification', 'update_status', 'create_task'] as const satisfies readonly ActionType[];
