import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { MomentsService } from '#libs/moments/index.js';
import { RequiresScope, TenantId } from '../common/auth.js';
import { EventInput, FeedbackInput, IngestResult } from './moment.input.js';

/** What a brand's server sends: WRITE keys may call these, and nothing else. */
@Resolver()
@RequiresScope('WRITE')
export class MomentsResolver {
  constructor(private readonly moments: MomentsService) {}

  @Mutation(() => IngestResult)
  recordEvent(@TenantId() tenantId: string, @Args('input') input: EventInput) {
    return this.moments.recordEvents(tenantId, { ...input }, 'graphql');
  }

  @Mutation(() => IngestResult)
  recordFeedback(@TenantId() tenantId: string, @Args('input') input: FeedbackInput) {
    return this.moments.recordFeedback(tenantId, { ...input }, 'graphql');
  }
}
