import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { MomentsService } from '#libs/moments/index.js';
import { RequiresScope, TenantId } from '../common/auth.js';

/** Customer events and feedback from the brand's servers. Validation is the service's. */
@Controller('v1')
@RequiresScope('WRITE')
export class EventsController {
  constructor(private readonly moments: MomentsService) {}

  @Post('events')
  @HttpCode(202)
  events(@TenantId() tenantId: string, @Body() body: unknown) {
    return this.moments.recordEvents(tenantId, body, 'api');
  }

  @Post('feedback')
  @HttpCode(202)
  feedback(@TenantId() tenantId: string, @Body() body: unknown) {
    return this.moments.recordFeedback(tenantId, body, 'api');
  }
}
