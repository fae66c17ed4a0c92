import { Inject, Injectable } from '@nestjs/common';
import QRCode from 'qrcode';
import { z } from 'zod';
import { ConflictError, NotFoundError, ValidationError, parseInput } from '#libs/common/index.js';
import { APP_CONFIG, type AppConfig } from '#libs/config/index.js';
import { CampaignsService, type Campaign } from '#libs/campaigns/index.js';
import { AdvocateProgressService, type AdvocateProgress } from './advocate-progress.service.js';
import { IpHasher, SharesService, classifyAgent, shareIntents, shareLink, type ChannelLink } from '#libs/links/index.js';
import { PortalRepository, type PortalAdvocate } from './portal.repository.js';

export interface SharePage {
  firstName: string | null;
  campaign: Pick<Campaign, 'name' | 'message' | 'status'>;
  /** The link shown and copied: the `copy` channel's when the campaign has it. */
  link: string;
  links: ChannelLink[];
  qrSvg: string;
  progress: AdvocateProgress;
}

/** Who opened the page: the advocate's own browser, remembered to tell their clicks from friends'. */
export interface PageVisitor {
  visitorId: string;
  ip: string | null;
  userAgent: string | undefined;
}

const TOKEN = /^[A-Za-z0-9_-]{8,128}$/;
const shareInput = z.object({ channel: z.string().min(1, 'is required').max(32) });

@Injectable()
export class SharePageService {
  constructor(
    private readonly portal: PortalRepository,
    private readonly campaigns: CampaignsService,
    private readonly progress: AdvocateProgressService,
    private readonly shares: SharesService,
    private readonly ips: IpHasher,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async page(token: string, visitor?: PageVisitor): Promise<SharePage> {
    const { advocate, campaign } = await this.find(token);
    if (visitor) {
      const agent = classifyAgent(visitor.userAgent);
      if (agent.kind === 'human') {
        await this.portal.recordVisit(
          advocate.tenantId,
          advocate.advocateId,
          visitor.visitorId,
          visitor.ip ? this.ips.hash(visitor.ip) : null,
          agent.uaClass,
        );
      }
    }
    const links = shareIntents(campaign, advocate.code, this.config.http.publicUrl);
    const link = links.find((l) => l.channel === 'copy')?.url ?? shareLink(this.config.http.publicUrl, advocate.code);
    const [qrSvg, progress] = await Promise.all([
      QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' }),
      this.progress.progress(advocate.tenantId, advocate.advocateId, campaign.advocateReward.currency),
    ]);
    return {
      firstName: advocate.firstName,
      campaign: { name: campaign.name, message: campaign.message, status: campaign.status },
      link,
      links: campaign.status === 'ACTIVE' ? links : [],
      qrSvg,
      progress,
    };
  }

  /** A press on one of the page's share buttons. */
  async recordShare(token: string, input: unknown): Promise<void> {
    const { channel } = parseInput(shareInput, input ?? {});
    const { advocate, campaign } = await this.find(token);
    if (!campaign.channels.includes(channel)) {
      throw new ValidationError([{ field: 'channel', message: `is not a channel of this campaign` }]);
    }
    if (campaign.status !== 'ACTIVE') throw new ConflictError('The campaign is not running');
    await this.shares.record(undefined, advocate.tenantId, advocate.advocateId, channel, new Date(), 'page');
  }

  private async find(token: string): Promise<{ advocate: PortalAdvocate; campaign: Campaign }> {
    const advocate = TOKEN.test(token) ? await this.portal.findByToken(token) : undefined;
    if (!advocate) throw new NotFoundError('Share page');
    const campaign = await this.campaigns.get(advocate.tenantId, advocate.campaignId);
    return { advocate, campaign };
  }
}
