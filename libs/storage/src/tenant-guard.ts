import type { TenantId } from '@flowline/contracts';

/**
 * Throws unless `doc` belongs to `tenant`. Adapters call this before every write of a whole
 * document, so a caller that mixed up tenants fails loudly instead of filing the document
 * under one tenant while its body claims another.
 */
export function assertSameTenant(tenant: TenantId, doc: { tenant_id: string }): void {
  if (typeof tenant !== 'string' || tenant.length === 0) {
    throw new Error('tenant mismatch: no tenant given');
  }
  if (doc.tenant_id !== tenant) {
    throw new Error(`tenant mismatch: document belongs to ${JSON.stringify(doc.tenant_id)}, not ${JSON.stringify(tenant)}`);
  }
}
