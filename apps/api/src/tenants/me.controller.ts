import { Controller, Get } from '@nestjs/common';
import type { Principal } from '#libs/tenants/index.js';
import { CurrentPrincipal, RequiresScope } from '../common/auth.js';

/** Who am I: the tenant and key behind the request's API key. */
@Controller('v1')
export class MeController {
  @Get('me')
  @RequiresScope('ANY')
  me(@CurrentPrincipal() principal: Principal) {
    return { tenantId: principal.tenantId, apiKeyId: principal.apiKeyId, apiKeyName: principal.apiKeyName, scopes: principal.scopes };
  }
}
