import { randomUUID } from 'node:crypto';
import {
  CreateEntityRequestSchemas,
  EntitySchema,
  PatchEntityRequestSchemas,
  type EntityOf,
  type EntityPage,
  type EntityType,
  type ListEntitiesQuery,
  type TenantId,
} from '@flowline/contracts';
import { eventsForChange } from '@flowline/rules';
import type { Stores } from '@flowline/storage';
import { z } from 'zod';
import { AppError } from './app-error.ts';
import { withCursor } from './with-cursor.ts';

export type CreateEntityRequest<T extends EntityType> = z.infer<(typeof CreateEntityRequestSchemas)[T]>;
export type PatchEntityRequest<T extends EntityType> = z.infer<(typeof PatchEntityRequestSchemas)[T]>;

export interface EntityServiceOptions {
  /** Called once a write and its events have committed; the api pokes its outbox relay here. */
  afterCommit?: () => void;
}

const LABEL: Record<EntityType, string> = { contact: 'Contact', lead: 'Lead', opportunity: 'Opportunity' };

/**
 * CRM contacts and leads, Sales opportunities. Every write stores the entity and the events it
 * raises in one transaction (the outbox); the relay publishes them once committed.
 */
export class EntityService {
  readonly #stores: Stores;
  readonly #afterCommit: () => void;

  constructor(stores: Stores, options: EntityServiceOptions = {}) {
    this.#stores = stores;
    this.#afterCommit = options.afterCommit ?? (() => {});
  }

  async create<T extends EntityType>(tenant: TenantId, type: T, request: CreateEntityRequest<T>, correlationId: string, traceparent?: string): Promise<EntityOf<T>> {
    const now = new Date().toISOString();
    const entity = EntitySchema.parse({
      ...request,
      id: randomUUID(),
      tenant_id: tenant,
      entity_type: type,
      version: 1,
      created_at: now,
      updated_at: now,
    }) as EntityOf<T>;
    const events = eventsForChange(null, entity, await this.#stores.settings.get(tenant), this.#origin(entity, now, correlationId, traceparent));
    await this.#stores.entities.insert(tenant, entity, events);
    this.#afterCommit();
    return entity;
  }

  async list<T extends EntityType>(tenant: TenantId, type: T, query: ListEntitiesQuery): Promise<EntityPage<EntityOf<T>>> {
    return withCursor(() => this.#stores.entities.list(tenant, type, query));
  }

  async get<T extends EntityType>(tenant: TenantId, type: T, id: string): Promise<EntityOf<T>> {
    const entity = await this.#stores.entities.get(tenant, type, id);
    if (entity === null) throw AppError.notFound(`${LABEL[type]} ${id}`);
    return entity;
  }

  /** Applies the changes when `request.version` is still the stored one; 409 otherwise. */
  async patch<T extends EntityType>(tenant: TenantId, type: T, id: string, request: PatchEntityRequest<T>, correlationId: string, traceparent?: string): Promise<EntityOf<T>> {
    const current = await this.get(tenant, type, id);
    const { version, ...changes } = request as { version: number } & Record<string, unknown>;
    if (current.version !== version) throw conflict(type, id, current.version);
    // A PATCH that repeats what is stored changes nothing, so it raises nothing either.
    if (Object.entries(changes).every(([key, value]) => (current as Record<string, unknown>)[key] === value)) return current;
    const now = new Date().toISOString();
    const next = EntitySchema.parse({ ...current, ...changes, version: version + 1, updated_at: now }) as EntityOf<T>;
    const events = eventsForChange(current, next, await this.#stores.settings.get(tenant), this.#origin(next, now, correlationId, traceparent));
    const outcome = await this.#stores.entities.update(tenant, next, version, events);
    switch (outcome) {
      case 'updated':
        this.#afterCommit();
        return next;
      case 'not_found':
        throw AppError.notFound(`${LABEL[type]} ${id}`);
      // Another writer got this version first (`duplicate`: with the very same event ids).
      case 'version_conflict':
      case 'duplicate':
        throw conflict(type, id, undefined);
      default: {
        const unreachable: never = outcome;
        throw new Error(`unknown outcome ${String(unreachable)}`);
      }
    }
  }

  #origin(entity: EntityOf<EntityType>, now: string, correlationId: string, traceparent: string | undefined) {
    return {
      idSeed: `${entity.entity_type}:${entity.id}:v${entity.version}`,
      source: `api:${entity.entity_type}`,
      time: now,
      correlation_id: correlationId,
      causation_id: null,
      causation_depth: 0,
      traceparent,
    };
  }
}

function conflict(type: EntityType, id: string, storedVersion: number | undefined): AppError {
  const now = storedVersion === undefined ? 'it has changed since' : `it is at version ${storedVersion}`;
  return new AppError('version_conflict', 409, 'Conflict', {
    detail: `${LABEL[type]} ${id} was not changed: ${now}. Read it again and resend with its version.`,
  });
}
