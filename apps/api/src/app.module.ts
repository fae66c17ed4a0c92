import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { GraphQLModule, GraphQLSchemaHost } from '@nestjs/graphql';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { LoggerModule } from 'nestjs-pino';
import { ConfigModule, loggerParams, type AppConfig } from '#libs/config/index.js';
import { DatabaseModule } from '#libs/database/index.js';
import { QueueModule, RedisModule } from '#libs/queue/index.js';
import { OutboxModule } from '#libs/outbox/index.js';
import { TenantsModule, TenantsService } from '#libs/tenants/index.js';
import { UnauthenticatedError } from '#libs/common/index.js';
import type { FastifyRequest } from 'fastify';
import { CampaignsModule } from '#libs/campaigns/index.js';
import { LedgerModule } from '#libs/ledger/index.js';
import { RewardsModule } from '#libs/rewards/index.js';
import { ReferralsModule } from '#libs/referrals/index.js';
import { StripeModule } from '#libs/stripe/index.js';
import { StripeController } from './stripe/stripe.controller.js';
import { CustomersModule } from '#libs/customers/index.js';
import { MomentsModule } from '#libs/moments/index.js';
import { AdvocatesModule } from '#libs/advocates/index.js';
import { WebhooksModule } from '#libs/webhooks/index.js';
import { AuditModule } from '#libs/audit/index.js';
import { AuditInterceptor } from './audit/audited.js';
import { ApiKeyGuard, apiKeyFrom } from './common/auth.js';
import { AllErrorsFilter } from './common/error.filter.js';
import { formatError } from './graphql/format-error.js';
import { costLimitPlugin, introspectionForKeysPlugin, validationRules } from './graphql/limits.js';
import { OpsModule } from './ops/ops.module.js';
import { LinksApiModule } from './links/links-api.module.js';
import { RESOLVERS } from './resolvers.js';
import { MeController } from './tenants/me.controller.js';
import { EventsController } from './moments/events.controller.js';
import { SegmentController } from './moments/segment.controller.js';
import { AdvocateLoadersModule } from './advocates/advocate-loaders.module.js';
import { AnalyticsApiModule } from './analytics/analytics-api.module.js';

export function graphqlOptions(config: AppConfig, schemaHost: () => GraphQLSchemaHost, tenants: TenantsService): ApolloDriverConfig {
  const development = config.env === 'development';
  const authenticate = (req: FastifyRequest) => {
    const key = apiKeyFrom(req);
    return key ? tenants.authenticate(key) : Promise.reject(new UnauthenticatedError('An API key is required'));
  };
  return {
    driver: ApolloDriver,
    path: '/graphql',
    // In memory; the committed schema.graphql is written by `npm run schema` and checked by a test.
    autoSchemaFile: true,
    sortSchema: true,
    // Open to all in development and tests; elsewhere the plugin below admits ADMIN and READ keys.
    introspection: true,
    graphiql: config.graphql.landingPage,
    allowBatchedHttpRequests: false,
    includeStacktraceInErrorResponses: false,
    validationRules: validationRules(config.graphql),
    plugins: [
      costLimitPlugin(() => schemaHost().schema, config.graphql.maxCost),
      ...(config.graphql.introspection ? [] : [introspectionForKeysPlugin(authenticate)]),
    ],
    formatError: (formatted, error) => formatError(formatted, error, development),
    context: ({ req }: { req: unknown }) => ({ req }),
  };
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    let schemaHost: GraphQLSchemaHost | undefined;
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, 'api')),
        DatabaseModule,
        RedisModule,
        QueueModule,
        OutboxModule,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          imports: [TenantsModule],
          inject: [GraphQLSchemaHost, TenantsService],
          useFactory: (host: GraphQLSchemaHost, tenants: TenantsService) => {
            schemaHost = host;
            return graphqlOptions(config, () => schemaHost!, tenants);
          },
        }),
        OpsModule,
        TenantsModule,
        CampaignsModule,
        LedgerModule,
        RewardsModule,
        ReferralsModule,
        StripeModule,
        CustomersModule,
        MomentsModule,
        AdvocatesModule,
        AdvocateLoadersModule,
        LinksApiModule,
        WebhooksModule,
        AnalyticsApiModule,
        AuditModule,
      ],
      controllers: [MeController, EventsController, SegmentController, StripeController],
      providers: [
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_FILTER, useClass: AllErrorsFilter },
        { provide: APP_INTERCEPTOR, useClass: AuditInterceptor },
        ...RESOLVERS,
      ],
    };
  }
}
