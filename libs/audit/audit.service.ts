import { Injectable } from '@nestjs/common';
import { clampFirst, decodeCursor } from '#libs/common/index.js';
import type { AuditAction, AuditActor, AuditEntry, AuditTarget } from './audit.js';
import { AuditRepository } from './audit.repository.js';

@Injectable()
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  record(actor: AuditActor, action: AuditAction, target: AuditTarget): Promise<void> {
    return this.repo.insert(actor, action, target);
  }

  /** One page of the tenant's log, newest first, optionally of one action. */
  async page(
    tenantId: string,
    first: number | null | undefined,
    after?: string | null,
    action?: AuditAction | null,
  ): Promise<{ items: AuditEntry[]; hasNextPage: boolean }> {
    const limit = clampFirst(first);
    const [beforeId] = after ? decodeCursor(after, ['seq']) : [undefined];
    const rows = await this.repo.page(tenantId, limit + 1, beforeId, action ?? undefined);
    return { items: rows.slice(0, limit), hasNextPage: rows.length > limit };
  }
}

export function auditCursor(entry: AuditEntry): [string] {
  return [entry.id];
}
