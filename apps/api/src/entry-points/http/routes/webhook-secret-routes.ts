import { createHash } from 'node:crypto';
import { Router } from 'express';
import { z } from 'zod';
import { newWebhookSecret, RotateWebhookSecretRequestSchema, secretHint, type WebhookSecrets } from '@flowline/contracts';
import type { WebhookStore } from '@flowline/storage';
import { AppError } from '../../../domain/app-error.ts';
import { tenantOf } from '../request-context.ts';
import { parseInput } from '../validate.ts';
import type { RouteAccess } from '../security/route-access.ts';
import { SCOPES } from '../security/scopes.ts';

const NoQuery = z.strictObject({});

const view = (secrets: WebhookSecrets, now: number) => ({
  secret_hint: secretHint(secrets.current.secret),
  created_at: secrets.current.created_at,
  ...(secrets.previous && Date.parse(secrets.previous.expires_at) > now
    ? { previous: { secret_hint: secretHint(secrets.previous.secret), expires_at: secrets.previous.expires_at } }
    : {}),
});

/**
 * `/api/v1/automation/settings/webhook-secret`: the tenant's webhook signing secret. `POST`
 * creates or rotates it and is the only answer that carries the whole secret; the one it
 * replaces keeps signing (as a second signature) for `grace_period_s`. `GET` shows hints only.
 */
export function webhookSecretRoutes(webhooks: WebhookStore, access: RouteAccess): Router {
  const router = Router();
  router.get('/', ...access(SCOPES.read), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const secrets = await webhooks.secrets(tenantOf(req));
    if (!secrets) throw AppError.notFound('Webhook secret');
    res.json(view(secrets, Date.now()));
  });
  router.post('/', ...access(SCOPES.write), async (req, res) => {
    parseInput(NoQuery, req.query, 'query');
    const { grace_period_s } = parseInput(RotateWebhookSecretRequestSchema, req.body ?? {}, 'body');
    const tenant = tenantOf(req);
    const current = await webhooks.secrets(tenant);
    const now = new Date();
    const secret = newWebhookSecret();
    const next: WebhookSecrets = {
      tenant_id: tenant,
      current: { secret, created_at: now.toISOString() },
      ...(current && grace_period_s > 0 ? { previous: { secret: current.current.secret, expires_at: new Date(now.getTime() + grace_period_s * 1000).toISOString() } } : {}),
    };
    await webhooks.putSecrets(tenant, next);
    // The log names the secret by a digest prefix only.
    req.log.info({ rotated: current !== null, secret_id: createHash('sha256').update(secret).digest('hex').slice(0, 8) }, 'webhook secret set');
    res.status(current ? 200 : 201).json({ ...view(next, now.getTime()), secret });
  });
  return router;
}
