import { describe, expect, it } from '@jest/globals';
import { HandlesJob, JOB_NAMES, JOB_QUEUE, JobProcessor, jobHandlersOf, type JobMap } from '#libs/queue/index.js';
import { handlerProblems } from './job-registry.js';

describe('handlerProblems', () => {
  const complete = JOB_NAMES.map((job) => ({ job, where: `P.${job}`, queue: JOB_QUEUE[job] as string }));

  it('accepts exactly one handler per job on its queue', () => {
    expect(handlerProblems(complete)).toEqual([]);
  });

  it('refuses a job without a handler', () => {
    const [first, ...rest] = complete;
    expect(handlerProblems(rest)).toEqual([`job "${first!.job}" has no handler`]);
  });

  it('refuses a job with two handlers', () => {
    const twice = [...complete, { ...complete[0]!, where: 'Other.method' }];
    expect(handlerProblems(twice)[0]).toMatch(/has 2 handlers/);
  });

  it('refuses a handler on the wrong queue, or of an unknown job', () => {
    expect(handlerProblems([{ ...complete[0]!, queue: 'elsewhere' }, ...complete.slice(1)])[0]).toMatch(/not "/);
    expect(handlerProblems([...complete, { job: 'nope', where: 'X.y', queue: 'q' }])).toEqual([
      'X.y handles "nope", which is not in the JobMap',
    ]);
  });
});

describe('HandlesJob', () => {
  it('ties a handler to its job’s payload type (checked by the compiler: `npm run lint` runs tsc)', () => {
    class Handlers extends JobProcessor {
      @HandlesJob('reward.credit')
      credit(payload: JobMap['reward.credit']): Promise<string> {
        return Promise.resolve(payload.referralId);
      }

      // @ts-expect-error -- a campaign.activated payload is not a reward.credit payload
      @HandlesJob('reward.credit')
      wrong(payload: JobMap['campaign.activated']): Promise<string> {
        return Promise.resolve(payload.campaignId);
      }
    }
    expect(jobHandlersOf(new Handlers()).map((h) => [h.job, h.method])).toEqual([
      ['reward.credit', 'credit'],
      ['reward.credit', 'wrong'],
    ]);
  });
});
