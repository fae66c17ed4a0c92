import { randomBytes } from 'node:crypto';
import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { errorBody } from '../common/error.filter.js';
import { errorPage, notFoundPage, pageHeaders } from './layout.js';

/** Errors of HTML pages as pages in the same style: 404 for unknown tokens, a plain error otherwise. */
@Catch()
export class HtmlErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const { status } = errorBody(exception);
    if (status >= 500) this.logger.error(exception);
    const nonce = randomBytes(12).toString('base64');
    const html = status === 404 ? notFoundPage(nonce, 'page') : errorPage(nonce);
    return host.switchToHttp().getResponse<FastifyReply>().code(status).headers(pageHeaders(nonce)).send(html);
  }
}
