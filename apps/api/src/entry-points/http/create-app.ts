import express, { Router, type Express } from 'express';
import type { DeadLetterQueues, MessageBus } from '@flowline/messaging';
import { metrics, runChecks, type Logger, type ReadinessCheck } from '@flowline/observability';
import type { Catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { AuditLog } from '../../domain/audit-log.ts';
import { EntityService } from '../../domain/entity-service.ts';
import { EventIngestService } from '../../domain/event-ingest-service.ts';
import { RuleChangeNotifier } from '../../domain/rule-change-notifier.ts';
import { RuleService } from '../../domain/rule-service.ts';
import { consoleRoutes } from './console-routes.ts';
import { errorHandler, notFoundRoute } from './error-handler.ts';
import { apiReference } from './openapi/api-reference.ts';
import { correlation } from './request-context.ts';
import { EventLogService } from '../../domain/event-log-service.ts';
import { activityRoutes } from './routes/activity-routes.ts';
import { adminRoutes } from './routes/admin-routes.ts';
import { auditRoutes } from './routes/audit-routes.ts';
import { catalogueRoutes } from './routes/catalogue-routes.ts';
import { entityRoutes } from './routes/entity-routes.ts';
import { eventsRoutes } from './routes/events-routes.ts';
import { rulesRoutes } from './routes/rules-routes.ts';
import { scheduledRoutes } from './routes/scheduled-routes.ts';
import { settingsRoutes } from './routes/settings-routes.ts';
import { templateRoutes } from './routes/template-routes.ts';
import { webhookSecretRoutes } from './routes/webhook-secret-routes.ts';
import { authenticate } from './security/authenticate.ts';
import { hardening } from './security/hardening.ts';
import { routeAccess } from './security/route-access.ts';
import { defaultApiSecurity, type ApiSecurity } from './security/security-options.ts';

export interface ApiDeps {
  stores: Stores;
  bus: MessageBus;
  catalogue: Catalogue;
  logger: Logger;
  /** Called after every committed entity write (its events are then in the outbox). */
  afterEntityCommit?: () => void;
  /** Authentication and limits. @defaultValue the development defaults (trusted X-Tenant-ID header) */
  security?: ApiSecurity;
  /** Serve `/metrics` on this app's port. @defaultValue true (false when API_METRICS_PORT moves it elsewhere) */
  serveMetrics?: boolean;
  /** The built console served at /console. @defaultValue apps/console/dist */
  consoleDir?: string;
  /** Served under /admin/v1 when given: the dead letters of an in-process bus, which no other process can reach. */
  deadLetters?: DeadLetterQueues;
}

/** What `/ready` checks: the broker connected and the store answering. */
export function readinessChecks(stores: Stores, bus: MessageBus): Record<string, ReadinessCheck> {
  return {
    broker: () => {
      if (!bus.isConnected()) throw new Error('disconnected');
    },
    store: () => stores.ping(),
  };
}

/** The HTTP api as an express app, wired to the given store and bus (no listening here). */
export function createApp({ stores, bus, catalogue, logger, afterEntityCommit, deadLetters, security = defaultApiSecurity(), serveMetrics = true, consoleDir }: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Plain key=value queries: `?is_active[$ne]=x` stays the literal key `is_active[$ne]`,
  // which strict query schemas then refuse, instead of becoming an object.
  app.set('query parser', 'simple');
  app.use(correlation(logger), hardening(security, logger));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const report = await runChecks(readinessChecks(stores, bus));
    res.status(report.ready ? 200 : 503).json(report);
  });
  if (serveMetrics) {
    app.get('/metrics', async (_req, res) => {
      const { contentType, body } = await metrics().exposition();
      res.type(contentType).send(body);
    });
  }

  // The browser console is where a person starts; tools read /api/v1/openapi.json.
  app.get('/', (_req, res) => {
    res.redirect(302, '/console');
  });
  app.use(apiReference(security.auth.mode));
  app.use(consoleRoutes(consoleDir));
  const v1 = Router();
  v1.use(authenticate(security.auth));
  // Each route declares its own scope and rate-limit class (see route-access.ts).
  const access = routeAccess(security.limits);
  v1.use('/automation', catalogueRoutes(catalogue, access));
  const audit = new AuditLog(stores.audit);
  const ruleService = new RuleService(stores.rules, catalogue, audit, new RuleChangeNotifier(bus, logger), {
    ...security.limits,
    webhooks: stores.webhooks,
    webhookAllowHttp: security.webhookAllowHttp ?? false,
  });
  v1.use('/automation', templateRoutes(ruleService, access));
  v1.use('/automation/rules', rulesRoutes(ruleService, access));
  const eventLog = new EventLogService(stores);
  v1.use('/events', eventsRoutes(new EventIngestService(bus, catalogue), eventLog, access));
  v1.use(activityRoutes(eventLog, access));
  const entities = new EntityService(stores, afterEntityCommit ? { afterCommit: afterEntityCommit } : {});
  v1.use('/automation/settings/webhook-secret', webhookSecretRoutes(stores.webhooks, access));
  v1.use('/automation/settings', settingsRoutes(stores.settings, audit, access));
  v1.use('/scheduled', scheduledRoutes(stores, access));
  v1.use('/audit', auditRoutes(audit, access));
  v1.use('/crm/contacts', entityRoutes(entities, 'contact', access));
  v1.use('/crm/leads', entityRoutes(entities, 'lead', access));
  v1.use('/sales/opportunities', entityRoutes(entities, 'opportunity', access));
  // Ends every unmatched request here with a 404, also OPTIONS, which express would
  // otherwise answer 200 with the allowed methods, whatever the caller's scopes.
  v1.use(notFoundRoute);
  app.use('/api/v1', v1);
  if (deadLetters) app.use('/admin/v1', adminRoutes(deadLetters, security.auth));

  app.use(notFoundRoute);
  app.use(errorHandler(logger));
  return app;
}
