import { describe, expect, it } from 'vitest';
import { FlowlineMetrics, parseTenantLabels } from '@flowline/observability';

describe('metrics', () => {
  it('when a tenant is not on the allow-list, then it is counted as "other", so the series count stays bounded', async () => {
    const m = new FlowlineMetrics({ service: 'engine', tenantLabels: parseTenantLabels(' acme-corp, ,globex ') });
    for (const tenant of ['acme-corp', 'globex', 'a1', 'a2', 'a3']) {
      m.rulesEvaluated.inc({ module: 'sales', trigger: 'high_value_opportunity', tenant: m.tenant(tenant) });
    }
    const text = (await m.exposition()).body;
    expect(text).toContain('flowline_rules_evaluated_total{module="sales",trigger="high_value_opportunity",tenant="acme-corp",service="engine"} 1');
    expect(text).toContain('tenant="globex",service="engine"} 1');
    expect(text).toContain('tenant="other",service="engine"} 3');
    expect(text).not.toContain('tenant="a1"');
  });

  it('when the registry is exposed, then it has the Node default metrics and every Flowline metric', async () => {
    const text = (await new FlowlineMetrics().exposition()).body;
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'flowline_events_consumed_total',
      'flowline_rules_evaluated_total',
      'flowline_rules_matched_total',
      'flowline_actions_executed_total',
      'flowline_message_retries_total',
      'flowline_messages_dead_lettered_total',
      'flowline_loop_guarded_total',
      'flowline_processing_duration_seconds',
      'flowline_end_to_end_latency_seconds',
      'flowline_consumer_prefetch',
      'flowline_consumer_in_flight',
      'flowline_broker_connected',
    ]) {
      expect(text, name).toContain(`# TYPE ${name}`);
    }
  });
});

describe('broker connection gauge', () => {
  it('when no RabbitMQ bus has reported (standalone on the in-memory bus), then there is no series, so nothing reads as disconnected', async () => {
    const m = new FlowlineMetrics();
    expect((await m.exposition()).body).not.toMatch(/^flowline_broker_connected/m);
    m.brokerConnected.set({ broker: 'rabbitmq' }, 0);
    expect((await m.exposition()).body).toMatch(/^flowline_broker_connected\{broker="rabbitmq"\} 0$/m);
  });
});
