import type { Server } from 'node:net';
import { parseTenantId } from '@flowline/contracts';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordedResult } from '../src/domain/actions/action-context.ts';
import { sendNotification } from '../src/domain/actions/send-notification.ts';
import { createSmtpMailer, type Mailer } from '../src/domain/mailer.ts';
import { commandOf } from './commands.ts';
import { smtpServer } from './smtp-server.ts';

const tenant = parseTenantId('acme-corp');
let stores: Stores;
let server: Server | undefined;
let mailer: Mailer | undefined;

beforeEach(async () => {
  stores = await openSqliteStores(':memory:');
});
afterEach(async () => {
  mailer?.close();
  server?.close();
  await stores.close();
});

const command = () => commandOf(tenant, 'send_notification', { recipient: 'manager@example.com', message: 'Big deal' });

describe('send_notification with SMTP', () => {
  it('when the server refuses for now (4xx), then the action throws to be retried, and the retry sends it once', async () => {
    const replies = ['450 mailbox busy', '250 ok'];
    const smtp = await smtpServer(() => replies.shift() ?? '250 ok');
    server = smtp.server;
    mailer = createSmtpMailer(smtp.url, 'flowline@example.com');
    const cmd = command();

    await expect(sendNotification(cmd, { stores, mailer, logger: silentLogger() })).rejects.toThrow(/could not be sent now \(SMTP 450\)/);
    expect((await stores.notifications.get(tenant, cmd.id))?.email_status).toBe('pending');

    expect(await sendNotification(cmd, { stores, mailer, logger: silentLogger() })).toMatchObject({ status: 'succeeded' });
    expect(await sendNotification(cmd, { stores, mailer, logger: silentLogger() })).toMatchObject({ status: 'succeeded' });
    expect(smtp.delivered()).toBe(1);
    expect((await stores.notifications.get(tenant, cmd.id))?.email_status).toBe('sent');
  });

  it('when the server refuses for good (5xx), then the action fails with the reply code and no server detail', async () => {
    let rcptAttempts = 0;
    const smtp = await smtpServer(() => {
      rcptAttempts += 1;
      return '550 no such user here at 10.1.2.3';
    });
    server = smtp.server;
    mailer = createSmtpMailer(smtp.url, 'flowline@example.com');
    const cmd = command();

    const result = await sendNotification(cmd, { stores, mailer, logger: silentLogger() });
    // With SMTP the result comes after the e-mail, so it is never recorded with the notification.
    if (result instanceof RecordedResult) throw new Error('recorded with the notification');
    expect(result).toMatchObject({ status: 'failed', error: 'e-mail to manager@example.com was refused (SMTP 550)' });
    // A redelivery of the same command reports the refusal again without asking the server.
    const attemptsBefore = rcptAttempts;
    expect(await sendNotification(cmd, { stores, mailer, logger: silentLogger() })).toMatchObject({ status: 'failed', error: result.error });
    expect(rcptAttempts).toBe(attemptsBefore);
    expect((await stores.notifications.get(tenant, cmd.id))).toMatchObject({ email_status: 'failed', email_error: 'e-mail to manager@example.com was refused (SMTP 550)' });
  });

  it('when the server cannot be reached, then the action throws to be retried', async () => {
    mailer = createSmtpMailer('smtp://127.0.0.1:1', 'flowline@example.com');
    await expect(sendNotification(command(), { stores, mailer, logger: silentLogger() })).rejects.toThrow(/could not be sent now/);
  });
});
