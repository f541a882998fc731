import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { DEAD_LETTER_QUEUES, describeDeadLetter, type DeadLetterQueues, type SubscriptionName } from '@flowline/messaging';
import { AppError } from '../../../domain/app-error.ts';
import { authenticate } from '../security/authenticate.ts';
import { SCOPES } from '../security/scopes.ts';
import type { AuthOptions } from '../security/security-options.ts';
import { parseInput } from '../validate.ts';


const LimitQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(1_000_000).optional() });
// A listing carries body previews and headers: bounded like the tenant lists, by count.
const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(500).optional() });

/**
 * Every admin request names itself in this header. A browser cannot send it cross-site without a
 * CORS preflight that Flowline never allows, so a page on another site cannot replay or purge
 * through a developer's `npm start` with a plain form.
 */
export const ADMIN_HEADER = 'x-flowline-admin';

/**
 * Operator routes over the dead letters of this process's bus (the in-process bus of
 * `npm start`, which no other process can reach): what `flowline dlq --api` calls. Not part of
 * the tenant contract: dead letters belong to every tenant, so under `jwt` a token needs the
 * `admin:dead-letters` scope; under `trusted-header` the gateway decides, as for /api/v1.
 */
export function adminRoutes(deadLetters: DeadLetterQueues, auth: AuthOptions): Router {
  const router = Router();
  router.use(requireAdminHeader);
  // Under trusted-header nobody proves who they are, and these routes act for every tenant: only
  // a caller on this machine (the CLI beside `npm start`) may use them.
  if (auth.mode === 'jwt') router.use(authenticate(auth), requireAdminScope);
  else router.use(requireLoopback);
  router.get('/dead-letters/:queue', async (req, res) => {
    const subscription = subscriptionOf(req.params['queue']);
    const { limit } = parseInput(ListQuery, req.query, 'query');
    const total = await deadLetters.count(subscription);
    const letters = await deadLetters.peek(subscription, limit ?? 50);
    res.json({ queue: req.params['queue'], total, dead_letters: letters.map(describeDeadLetter) });
  });
  router.post('/dead-letters/:queue/replay', async (req, res) => {
    const subscription = subscriptionOf(req.params['queue']);
    const { limit } = parseInput(LimitQuery, req.query, 'query');
    const replayed = await deadLetters.replay(subscription, limit ?? Number.MAX_SAFE_INTEGER);
    res.json({ replayed: replayed.length, message_ids: replayed.map((letter) => letter.messageId ?? null) });
  });
  router.delete('/dead-letters/:queue', async (req, res) => {
    const subscription = subscriptionOf(req.params['queue']);
    const { limit } = parseInput(LimitQuery, req.query, 'query');
    res.json({ purged: await deadLetters.purge(subscription, limit) });
  });
  return router;
}

const requireAdminScope: RequestHandler = (req, _res, next) => {
  if (!req.scopes?.has(SCOPES.adminDeadLetters)) {
    throw new AppError('insufficient_scope', 403, 'Forbidden', {
      detail: `This request needs the scope '${SCOPES.adminDeadLetters}'.`,
      headers: { 'www-authenticate': `Bearer realm="flowline", error="insufficient_scope", scope="${SCOPES.adminDeadLetters}"` },
    });
  }
  next();
};

const requireAdminHeader: RequestHandler = (req, _res, next) => {
  if (req.get(ADMIN_HEADER) === undefined) {
    throw new AppError('admin_header_required', 400, 'Bad request', { detail: `Admin requests carry the header '${ADMIN_HEADER}' (flowline dlq sends it).` });
  }
  next();
};

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const requireLoopback: RequestHandler = (req, _res, next) => {
  if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
    throw new AppError('forbidden', 403, 'Forbidden', { detail: 'Under AUTH_MODE=trusted-header the admin routes answer only callers on this machine.' });
  }
  next();
};

function subscriptionOf(queue: string | undefined): SubscriptionName {
  const subscription = DEAD_LETTER_QUEUES[queue ?? ''];
  if (subscription === undefined) {
    throw new AppError('not_found', 404, 'Not found', { detail: `No dead-letter queue '${String(queue).slice(0, 40)}': use engine or executor.` });
  }
  return subscription;
}
