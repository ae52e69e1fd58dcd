import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { asyncRoute } from '../src/http/async-route';
import { principalOf } from '../src/http/principal';
import { parseInput } from '../src/http/validate';
import { TwofoldError } from '../src/domain/errors';
import type { JobView } from '../src/jobs/job-store';
import type { RouteDoc } from '../src/http/route-doc';

/** What the jobs routes need of the runner (src/jobs/job-runner.ts). */
export interface JobsApi {
  get(tenant: string, id: string): Promise<JobView | null>;
  list(tenant: string, limit: number): Promise<JobView[]>;
  cancel(tenant: string, id: string, actorAccountId: string | null): Promise<JobView>;
}

export interface AdminJobsRouterDeps {
  jobs: JobsApi;
  requireVerification: RequestHandler;
}

const jobParam = z.object({ jobId: z.uuid('is not a job id') });
const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).optional() });

/** The routes below, described for the OpenAPI document (src/http/openapi.ts). */
export const ADMIN_JOBS_ROUTES: readonly RouteDoc[] = [
  {
    method: 'get',
    path: '/api/v1/admin/jobs',
    auth: 'connectJwtAdmin',
    summary: "The tenant's recent jobs, newest first",
    query: listQuery,
    responses: { 200: '{jobs: [job]}' },
    errors: ['invalid_request'],
  },
  {
    method: 'get',
    path: '/api/v1/admin/jobs/{jobId}',
    auth: 'connectJwtAdmin',
    summary: 'One job: kind, state, total, done, failed, times and the failures with their reasons',
    params: jobParam,
    responses: { 200: '{id, kind, state, total, done, failed, startedAt, finishedAt, errors, ...}' },
    errors: ['invalid_request', 'not_found'],
  },
  {
    method: 'post',
    path: '/api/v1/admin/jobs/{jobId}/cancel',
    auth: 'connectJwtAdmin',
    summary: 'Cancels a queued or running job; items already done stay done',
    params: jobParam,
    responses: { 200: 'the job' },
    errors: ['invalid_request', 'not_found', 'verification_required'],
  },
];

/** A job as the contract shows it (`GET /api/v1/admin/jobs/{jobId}`), with the extension fields. */
export function presentJob(job: JobView) {
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    total: job.total,
    done: job.done,
    failed: job.failed,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    startedBy: job.actorAccountId,
    stopReason: job.stopReason,
    errors: job.errors,
  };
}

/** Durable jobs below /api/v1/admin: one job, the tenant's recent jobs, cancel (a write: step-up). */
export function adminJobsRouter(deps: AdminJobsRouterDeps): Router {
  const router = Router();

  router.get(
    '/jobs',
    asyncRoute(async (req, res) => {
      const { limit } = parseInput(listQuery, req.query);
      const { tenant } = principalOf(res);
      res.json({ jobs: (await deps.jobs.list(tenant.clientKey, limit ?? 20)).map(presentJob) });
    }),
  );

  router.get(
    '/jobs/:jobId',
    asyncRoute(async (req, res) => {
      const { jobId } = parseInput(jobParam, req.params);
      const { tenant } = principalOf(res);
      const job = await deps.jobs.get(tenant.clientKey, jobId);
      if (!job) throw new TwofoldError('not_found', 'There is no such job on this site.');
      res.json(presentJob(job));
    }),
  );

  router.post(
    '/jobs/:jobId/cancel',
    deps.requireVerification,
    asyncRoute(async (req, res) => {
      const { jobId } = parseInput(jobParam, req.params);
      const { tenant, accountId } = principalOf(res);
      res.json(presentJob(await deps.jobs.cancel(tenant.clientKey, jobId, accountId)));
    }),
  );

  return router;
}
