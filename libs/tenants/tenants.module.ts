import { Module } from '@nestjs/common';
import { TenantRepository } from './tenant.repository.js';
import { TenantsService } from './tenants.service.js';

@Module({
  providers: [TenantRepository, TenantsService],
  exports: [TenantsService],
})
export class TenantsModule {}
