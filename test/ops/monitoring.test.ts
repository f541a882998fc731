import { describe, expect, it } from 'vitest';
import { FlowlineMetrics } from '@flowline/observability';
import { parseYamlDocuments, readRepoFile } from './ops-files.ts';

/*
 * The dashboard and the alerts only help if they query metrics the code exports: every
 * `flowline_*` name they use must be in the registry of libs/observability/src/metrics.ts.
 */
const alertsFile = parseYamlDocuments(readRepoFile('ops/prometheus/flowline-alerts.yml'), 'flowline-alerts.yml')[0];
const prometheusRule = parseYamlDocuments(readRepoFile('k8s/components/monitoring/prometheus-rule.yaml'), 'prometheus-rule.yaml')[0];
const dashboard = JSON.parse(readRepoFile('k8s/components/monitoring/flowline-dashboard.json'));

async function exportedNames(): Promise<Set<string>> {
  const metrics = await new FlowlineMetrics().registry.getMetricsAsJSON();
  return new Set(metrics.map((m) => m.name));
}

/** Metric names in a PromQL expression, histogram series suffixes removed. */
const namesIn = (expr: string) => [...expr.matchAll(/\b((?:flowline|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_(bucket|count|sum)$/, ''));

describe('alerts and dashboard', () => {
  it('when Prometheus loads the alerts, then compose and Kubernetes get the same rules', () => {
    expect(prometheusRule.spec.groups).toEqual(alertsFile.groups);
  });

  it('when the alerts are read, then they cover dead letters growing, a disconnected consumer, a high p99 latency, an old queued message and a growing backlog', () => {
    const rules = alertsFile.groups.flatMap((g: any) => g.rules);
    const exprOf = (name: string) => rules.find((r: any) => r.alert === name)?.expr ?? '';
    expect(exprOf('FlowlineDeadLettersGrowing')).toContain('flowline_messages_dead_lettered_total');
    expect(exprOf('FlowlineConsumerDisconnected')).toContain('flowline_broker_connected');
    expect(exprOf('FlowlineEndToEndLatencyP99High')).toContain('histogram_quantile(0.99');
    expect(exprOf('FlowlineProcessingLatencyP99High')).toContain('histogram_quantile(0.99');
    // The oldest message's age per queue, and a stage's backlog over all its lanes; each queue counted once over the workers reporting it.
    expect(exprOf('FlowlineQueueOldestMessageAgeHigh')).toContain('min by (stage, queue) (flowline_queue_oldest_message_age_seconds)');
    expect(exprOf('FlowlineBacklogGrowing')).toContain('sum by (stage) (max by (stage, queue) (flowline_queue_messages_ready))');
    for (const rule of rules) expect(rule.labels.severity, rule.alert).toMatch(/^(warning|critical)$/);
  });

  it('when the dashboard and the alerts query metrics, then each metric is one the code exports', async () => {
    const exported = await exportedNames();
    const exprs = [
      ...alertsFile.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr)),
      ...dashboard.panels.flatMap((p: any) => p.targets.map((t: any) => t.expr)),
    ];
    expect(exprs.length).toBeGreaterThan(10);
    for (const expr of exprs) {
      for (const name of namesIn(expr)) expect(exported, `${name} in ${expr}`).toContain(name);
    }
    // Every Flowline metric is on the dashboard.
    const shown = new Set(exprs.flatMap(namesIn));
    for (const name of [...exported].filter((n) => n.startsWith('flowline_'))) expect(shown, name).toContain(name);
  });
});
