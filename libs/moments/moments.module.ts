import { Module } from '@nestjs/common';
import { CustomersModule } from '#libs/customers/index.js';
import { MomentsRepository } from './moments.repository.js';
import { MomentsService } from './moments.service.js';

@Module({
  imports: [CustomersModule],
  providers: [MomentsRepository, MomentsService],
  exports: [MomentsRepository, MomentsService],
})
export class MomentsModule {}
