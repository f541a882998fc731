import { randomUUID } from 'node:crypto';
import { parseTenantId, type Contact } from '@flowline/contracts';
import { silentLogger } from '@flowline/observability';
import { openSqliteStores, type Stores } from '@flowline/storage';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { updateStatus } from '../src/domain/actions/update-status.ts';
import { commandOf } from './commands.ts';

const tenant = parseTenantId('acme-corp');
let stores: Stores;
let contact: Contact;

beforeEach(async () => {
  stores = await openSqliteStores(':memory:');
  const now = new Date().toISOString();
  contact = { id: randomUUID(), tenant_id: tenant, entity_type: 'contact', name: 'Ada', email: 'ada@example.com', status: 'lead', version: 1, created_at: now, updated_at: now };
  await stores.entities.insert(tenant, contact, []);
});
afterEach(() => stores.close());

const command = (depth = 2) =>
  commandOf(tenant, 'update_status', { entity_id: contact.id, new_status: 'customer' }, { causation_depth: depth, correlation_id: 'chain-1' });

describe('update_status', () => {
  it('when run, then the contact changes and its events are queued one hop deeper, caused by the triggering event', async () => {
    const cmd = command(2);
    expect(await updateStatus(cmd, { stores, logger: silentLogger() })).toMatchObject({ status: 'succeeded' });

    expect(await stores.entities.get(tenant, 'contact', contact.id)).toMatchObject({ status: 'customer', version: 2 });
    const queued = await stores.outbox.unsent(tenant);
    expect(queued.map((e) => e.type)).toEqual(['contact_updated', 'contact_status_changed']);
    for (const event of queued) {
      expect(event).toMatchObject({ causation_id: cmd.event_id, causation_depth: 3, correlation_id: 'chain-1', source: 'action:update_status' });
    }
    expect(queued[1]!.data).toMatchObject({ old_status: 'lead', new_status: 'customer', contact_id: contact.id });
  });

  it('when the same command is delivered again after another writer moved the status back, then it changes nothing the second time', async () => {
    const cmd = command();
    await updateStatus(cmd, { stores, logger: silentLogger() });
    const changed = (await stores.entities.get(tenant, 'contact', contact.id))!;
    const reverted = { ...changed, status: 'lead', version: 3 };
    expect(await stores.entities.update(tenant, reverted, 2, [])).toBe('updated');

    expect(await updateStatus(cmd, { stores, logger: silentLogger() })).toMatchObject({ status: 'succeeded' });
    expect(await stores.entities.get(tenant, 'contact', contact.id)).toEqual(reverted);
    expect(await stores.outbox.unsent(tenant)).toHaveLength(2);
  });

  it("when the entity belongs to another tenant, then the action fails with the reason and the entity is untouched", async () => {
    const other = parseTenantId('globex');
    const cmd = { ...command(), tenant_id: other };
    expect(await updateStatus(cmd, { stores, logger: silentLogger() })).toMatchObject({ status: 'failed', error: expect.stringContaining('entity not found') });
    expect(await stores.entities.get(tenant, 'contact', contact.id)).toEqual(contact);
  });
});
