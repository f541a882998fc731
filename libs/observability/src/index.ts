export { createLogger, silentLogger, wantsPrettyLogs, type Logger, type LoggerOptions } from './logger.ts';
export { startHealthServer, runChecks, type HealthServer, type ReadinessCheck } from './health-server.ts';
export { FlowlineMetrics, metrics, parseTenantLabels, OTHER_TENANT, type MetricsOptions } from './metrics.ts';
export { continueTrace, formatTraceparent, parseTraceparent, traceFields, TRACEPARENT, type TraceContext } from './trace-context.ts';
export { boundField, boundText, summariseProblems, MAX_FIELD_CHARS, MAX_LISTED_PROBLEMS, MAX_REASON_BYTES } from './bounded-text.ts';
