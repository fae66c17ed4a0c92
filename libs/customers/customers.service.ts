import { Injectable } from '@nestjs/common';
import { NotFoundError, isUuid } from '#libs/common/index.js';
import type { Customer } from './customer.js';
import { CustomerRepository } from './customer.repository.js';

@Injectable()
export class CustomersService {
  constructor(private readonly customers: CustomerRepository) {}

  /** By the brand's external id; another tenant's customer is not found. */
  async getByExternalId(tenantId: string, externalId: string): Promise<Customer> {
    const customer = await this.customers.findByExternalId(tenantId, externalId);
    if (!customer) throw new NotFoundError('Customer', externalId);
    return customer;
  }

  getMany(tenantId: string, ids: readonly string[]): Promise<Customer[]> {
    return this.customers.findByIds(tenantId, ids.filter(isUuid));
  }
}
