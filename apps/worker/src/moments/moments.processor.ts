import { Processor } from '@nestjs/bullmq';
import { EnrolmentService } from '#libs/advocates/index.js';
import { HandlesJob, JobProcessor, type JobMap } from '#libs/queue/index.js';

@Processor('moments')
export class MomentsProcessor extends JobProcessor {
  constructor(private readonly enrolment: EnrolmentService) {
    super();
  }

  @HandlesJob('customer.moment')
  async moment({ tenantId, customerId }: JobMap['customer.moment']): Promise<{ score: number; enrolled: number } | null> {
    const result = await this.enrolment.onMoment(tenantId, customerId);
    return result ? { score: result.delight.score, enrolled: result.enrolled.length } : null;
  }
}
