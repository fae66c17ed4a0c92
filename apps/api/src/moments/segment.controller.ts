import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { MomentsService } from '#libs/moments/index.js';
import { RequiresScope, TenantId } from '../common/auth.js';

/**
 * The Segment HTTP Tracking API, at the paths Segment-compatible clients post to, with the API key
 * as the write key (HTTP Basic). Answers like Segment: 200 `{"success": true}`.
 */
@Controller('v1')
@RequiresScope('WRITE')
export class SegmentController {
  constructor(private readonly moments: MomentsService) {}

  @Post('batch')
  @HttpCode(200)
  async batch(@TenantId() tenantId: string, @Body() body: unknown) {
    return { success: true, ...(await this.moments.recordSegment(tenantId, body, 'batch')) };
  }

  @Post('track')
  @HttpCode(200)
  async track(@TenantId() tenantId: string, @Body() body: unknown) {
    return { success: true, ...(await this.moments.recordSegment(tenantId, body, 'track')) };
  }

  @Post('identify')
  @HttpCode(200)
  async identify(@TenantId() tenantId: string, @Body() body: unknown) {
    return { success: true, ...(await this.moments.recordSegment(tenantId, body, 'identify')) };
  }
}
