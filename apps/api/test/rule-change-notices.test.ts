import { describe, expect, it } from 'vitest';
import type { RuleChange } from '@flowline/contracts';
import { HIGH_VALUE_DEAL_ALERT, client, eventually, useInProcessFlowline } from '../../../test/support/harness.ts';

const flowline = useInProcessFlowline('notices');

describe('rule change notices', () => {
  it('when a rule is created, updated, toggled and deleted, then each change is broadcast once, in order, naming tenant, trigger and rule', async () => {
    const notices: RuleChange[] = [];
    const subscription = await flowline.current.bus.subscribeBroadcast('rule-changes', {
      onMessage: (message) => {
        notices.push(JSON.parse(message.content.toString('utf8')) as RuleChange);
      },
      onGap: () => {},
    });
    const acme = client(flowline.current.baseUrl, 'acme-corp');

    const created = await acme.post('/api/v1/automation/rules', HIGH_VALUE_DEAL_ALERT);
    const id = created.body.id as string;
    await acme.patch(`/api/v1/automation/rules/${id}`, { name: 'Renamed' });
    await acme.put(`/api/v1/automation/rules/${id}/toggle?is_active=false`);
    await acme.delete(`/api/v1/automation/rules/${id}`);
    await eventually(async () => (notices.length >= 4 ? true : undefined));
    await subscription.cancel();

    expect(notices).toEqual(
      ['created', 'updated', 'toggled', 'deleted'].map((change) => ({ tenant_id: 'acme-corp', trigger_id: 'high_value_opportunity', rule_id: id, change })),
    );
  });
});
