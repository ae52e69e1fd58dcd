import { Router } from 'express';

/** `GET /` outside development: what this service is and how to install it. */
export function landingRouter(localBaseUrl: string): Router {
  const router = Router();
  router.get('/', (_req, res) => {
    res.render('pages/landing', {
      layout: 'standalone',
      pageId: 'landing',
      title: 'Twofold for Jira',
      lead: 'Two-step verification for Jira and a connector toward Jira Server/Data Center.',
      descriptorUrl: `${localBaseUrl}/atlassian-connect.json`,
    });
  });
  return router;
}
