import { Processor } from '@nestjs/bullmq';
import { EnrolmentService } from '#libs/advocates/index.js';
import { HandlesJob, JobProcessor, type JobMap } from '#libs/queue/index.js';

@Processor('moments')
export class MomentsProcessor extends JobProcessor {
  constructor(private readonly enrolment: EnrolmentService) {
    super();
  }

  @HandlesJob('customer.moment')
  async moment({ tenantId, customerIds }: JobMap['customer.moment']): Promise<{ scored: number; enrolled: number }> {
    let scored = 0;
    let enrolled = 0;
    for (const customerId of customerIds) {
      const result = await this.enrolment.onMoment(tenantId, customerId);
      if (result) {
        scored++;
        enrolled += result.enrolled.length;
      }
    }
    return { scored, enrolled };
  }
}
