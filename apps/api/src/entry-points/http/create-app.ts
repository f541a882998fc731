import express, { Router, type Express } from 'express';
import type { MessageBus } from '@flowline/messaging';
import { runChecks, type Logger } from '@flowline/observability';
import type { Catalogue } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { EventIngestService } from '../../domain/event-ingest-service.ts';
import { RuleChangeNotifier } from '../../domain/rule-change-notifier.ts';
import { RuleService } from '../../domain/rule-service.ts';
import { errorHandler, notFoundRoute } from './error-handler.ts';
import { jsonBody } from './json-body.ts';
import { correlation, tenantContext } from './request-context.ts';
import { activityRoutes } from './routes/activity-routes.ts';
import { catalogueRoutes } from './routes/catalogue-routes.ts';
import { eventsRoutes } from './routes/events-routes.ts';
import { rulesRoutes } from './routes/rules-routes.ts';

export interface ApiDeps {
  stores: Stores;
  bus: MessageBus;
  catalogue: Catalogue;
  logger: Logger;
}

/** The HTTP api as an express app, wired to the given store and bus (no listening here). */
export function createApp({ stores, bus, catalogue, logger }: ApiDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // Plain key=value queries: `?is_active[$ne]=x` stays the literal key `is_active[$ne]`,
  // which strict query schemas then refuse, instead of becoming an object.
  app.set('query parser', 'simple');
  app.use(correlation(logger));

  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/ready', async (_req, res) => {
    const report = await runChecks({
      broker: () => {
        if (!bus.isConnected()) throw new Error('disconnected');
      },
      store: () => stores.ping(),
    });
    res.status(report.ready ? 200 : 503).json(report);
  });

  const v1 = Router();
  v1.use(tenantContext);
  v1.use(jsonBody());
  v1.use('/automation', catalogueRoutes(catalogue));
  v1.use('/automation/rules', rulesRoutes(new RuleService(stores.rules, catalogue, new RuleChangeNotifier(bus, logger))));
  v1.use('/events', eventsRoutes(new EventIngestService(bus, catalogue)));
  v1.use(activityRoutes(stores));
  app.use('/api/v1', v1);

  app.use(notFoundRoute);
  app.use(errorHandler(logger));
  return app;
}
