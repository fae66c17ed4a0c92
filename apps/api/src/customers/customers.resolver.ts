import { Args, Context, ID, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import { CustomersService, type Customer as CustomerRecord } from '#libs/customers/index.js';
import { TenantId } from '../common/auth.js';
import { AdvocateLoaders } from '../advocates/advocate.loaders.js';
import { Advocate } from '../advocates/advocate.model.js';
import { Customer, Delight } from './customer.model.js';

@Resolver(() => Customer)
export class CustomersResolver {
  constructor(
    private readonly customers: CustomersService,
    private readonly loaders: AdvocateLoaders,
  ) {}

  @Query(() => Customer, { description: "A customer by the brand's own id." })
  customer(@TenantId() tenantId: string, @Args('externalId') externalId: string) {
    return this.customers.getByExternalId(tenantId, externalId);
  }

  @ResolveField(() => Delight, { description: 'How delighted the customer is, and why; rescored after each moment.' })
  delight(@Parent() customer: CustomerRecord): Delight {
    return customer.delight ?? { score: 0, reasons: ['not scored yet'] };
  }

  @ResolveField(() => Advocate, { nullable: true, description: 'The customer as an advocate of the campaign, if enrolled.' })
  advocate(@Parent() customer: CustomerRecord, @Args('campaignId', { type: () => ID }) campaignId: string, @Context('req') req: object) {
    return this.loaders.for(req, customer.tenantId).advocateOf.load({ campaignId, customerId: customer.id });
  }
}
