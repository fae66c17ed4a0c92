import { Module } from '@nestjs/common';
import { LinksModule } from '#libs/links/index.js';
import { PortalModule } from '#libs/portal/index.js';
import { OpsModule } from '../ops/ops.module.js';
import { LinksMetrics } from './links.metrics.js';
import { RedirectRoutes } from './redirect.routes.js';
import { ClickLimiter } from './click-limiter.js';
import { SharePageController } from './share-page.controller.js';

/** Public link routes: the redirect and the share page. */
@Module({
  imports: [LinksModule, PortalModule, OpsModule],
  controllers: [SharePageController],
  providers: [LinksMetrics, RedirectRoutes, ClickLimiter],
})
export class LinksApiModule {}
