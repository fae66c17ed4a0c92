import { Injectable } from '@nestjs/common';
import DataLoader from 'dataloader';
import { AnalyticsService, type Imot } from '#libs/analytics/index.js';

/** IMOT per advocate, one statement per request and tenant however many advocates a list holds. */
@Injectable()
export class AnalyticsLoaders {
  private readonly perRequest = new WeakMap<object, Map<string, DataLoader<string, Imot>>>();

  constructor(private readonly analytics: AnalyticsService) {}

  imot(req: object, tenantId: string): DataLoader<string, Imot> {
    let byTenant = this.perRequest.get(req);
    if (!byTenant) this.perRequest.set(req, (byTenant = new Map()));
    let loader = byTenant.get(tenantId);
    if (!loader) {
      loader = new DataLoader(async (ids) => {
        const found = await this.analytics.imot(tenantId, ids);
        return ids.map((id) => found.get(id)!);
      });
      byTenant.set(tenantId, loader);
    }
    return loader;
  }
}
