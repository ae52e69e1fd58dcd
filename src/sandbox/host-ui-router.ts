import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { Router, type Request, type Response } from 'express';
import Handlebars from 'handlebars';
import type { Logger } from '../adapters/logging/logger';
import type { Outbox } from '../adapters/mail/outbox';
import type { SandboxConnectHost } from './connect-host';
import { SANDBOX_USERS, isSiteAdmin } from './fixtures';
import { currentUser, sessionUser, switchUser } from './session';
import { PROJECT_ROOT } from '../config/project-root';

// From the project folder, not __dirname: compiled code in dist/ has no copy of these files.
const VIEWS = join(PROJECT_ROOT, 'src', 'sandbox', 'views');
const ASSETS = join(PROJECT_ROOT, 'src', 'sandbox', 'assets');

/**
 * The pages of the sandbox site: a dashboard, "Manage apps" (install from a descriptor URL, uninstall),
 * the app's pages framed with a page JWT, and a user switcher. Paths mimic Jira's.
 */
export function hostUiRouter(host: SandboxConnectHost, options: { basePath: string; appBaseUrl: string; logger: Logger; outbox?: Outbox | undefined }): Router {
  const router = Router();
  const render = viewRenderer();
  const base = options.basePath;

  const shell = (req: Request, res: Response, extra: Record<string, unknown>) => {
    const user = currentUser(req);
    if (!sessionUser(req)) switchUser(res, user.accountId); // AP.request() from pages rides on this session
    const modules = host.installed?.descriptor.modules;
    const appKey = host.installed?.appKey ?? '';
    const link = (module: { key: string; name: { value: string } }) => ({
      name: module.name.value,
      url: `${base}/plugins/servlet/ac/${encodeURIComponent(appKey)}/${encodeURIComponent(module.key)}`,
      active: extra.moduleKey === module.key,
    });
    const notice = typeof req.query.notice === 'string' ? req.query.notice : undefined;
    return {
      base,
      appOrigin: new URL(options.appBaseUrl).origin,
      siteHost: new URL(host.hostBaseUrl).host,
      returnTo: req.originalUrl,
      isAdmin: isSiteAdmin(user),
      users: SANDBOX_USERS.filter((u) => u.active).map((u) => ({ ...u, admin: isSiteAdmin(u), selected: u.accountId === user.accountId })),
      generalPages: (modules?.generalPages ?? []).map(link),
      adminPages: isSiteAdmin(user) ? (modules?.adminPages ?? []).map(link) : [],
      notice,
      noticeKind: req.query.kind === 'error' ? 'error' : 'success',
      installed: host.installed,
      clientKey: host.clientKey,
      hasOutbox: options.outbox !== undefined,
      ...extra,
    };
  };
  const back = (res: Response, path: string, notice: string, kind: 'success' | 'error' = 'success') =>
    res.redirect(303, `${base}${path}?notice=${encodeURIComponent(notice)}&kind=${kind}`);

  router.get('/', (req, res) => {
    const people = SANDBOX_USERS.map((u) => ({ ...u, groups: u.groups.join(', ') }));
    res.send(render('dashboard', shell(req, res, { title: 'Dashboard', active: 'dashboard', people })));
  });

  router.post('/session', (req, res) => {
    const { accountId, returnTo } = req.body as { accountId?: string; returnTo?: string };
    switchUser(res, String(accountId ?? ''));
    const target = typeof returnTo === 'string' && returnTo.startsWith(`${base}/`) ? returnTo : `${base}/`;
    res.redirect(303, target.replace(/([?&])(notice|kind)=[^&]*/g, '$1'));
  });

  // The mail Twofold sent in development (no SMTP_URL): email codes can be tried without a mail server.
  router.get('/outbox', (req, res) => {
    const messages = (options.outbox?.list() ?? []).map((m) => ({
      ...m,
      at: m.at
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d{3}Z$/, ' UTC'),
    }));
    res.setHeader('Cache-Control', 'no-store');
    res.send(render('outbox', shell(req, res, { title: 'Outbox', active: 'outbox', messages, configured: options.outbox !== undefined })));
  });

  router.get('/plugins/servlet/upm', (req, res) => {
    res.send(
      render(
        'manage-apps',
        shell(req, res, {
          title: 'Manage apps',
          active: 'upm',
          descriptorUrl: host.installed?.descriptorUrl ?? `${options.appBaseUrl}/atlassian-connect.json`,
        }),
      ),
    );
  });

  router.post('/plugins/servlet/upm/install', (req, res) => {
    if (!isSiteAdmin(currentUser(req))) return back(res, '/plugins/servlet/upm', 'Only Jira administrators can install apps.', 'error');
    const descriptorUrl = queryText((req.body as { descriptorUrl?: unknown }).descriptorUrl, '');
    host.install(descriptorUrl).then(
      (app) => back(res, '/plugins/servlet/upm', `${app.descriptor.name} was installed.`),
      (error: Error) => {
        options.logger.warn({ err: error }, 'sandbox install failed');
        back(res, '/plugins/servlet/upm', `Install failed: ${error.message}`, 'error');
      },
    );
  });

  router.post('/plugins/servlet/upm/uninstall', (req, res) => {
    if (!isSiteAdmin(currentUser(req))) return back(res, '/plugins/servlet/upm', 'Only Jira administrators can uninstall apps.', 'error');
    host.uninstall().then(
      () => back(res, '/plugins/servlet/upm', 'The app was uninstalled. Its data is kept for the grace period.'),
      (error: Error) => back(res, '/plugins/servlet/upm', `Uninstall failed: ${error.message}`, 'error'),
    );
  });

  router.get('/plugins/servlet/ac/:appKey/:moduleKey', (req, res) => {
    const moduleKey = String(req.params.moduleKey);
    const installed = host.installed;
    const module = [...(installed?.descriptor.modules?.adminPages ?? []), ...(installed?.descriptor.modules?.generalPages ?? [])].find(
      (m) => m.key === moduleKey,
    );
    if (!installed || installed.appKey !== req.params.appKey || !module) {
      return back(res, '/', 'That app page does not exist here. Is the app installed?', 'error');
    }
    const frameUrl = host.pageUrl(moduleKey, currentUser(req).accountId);
    res.send(render('app-page', shell(req, res, { title: module.name.value, moduleKey, moduleName: module.name.value, frameUrl })));
  });

  // AP.context.getToken() from a framed page, asked by host.js for the signed-in user.
  router.post('/api/context-token', (req, res) => {
    if (!host.installed) return void res.status(409).json({ error: { code: 'not_installed', message: 'No app is installed.' } });
    res.json({ token: host.contextToken(currentUser(req).accountId) });
  });

  router.get('/api/page-url', (req, res) => {
    const moduleKey = queryText(req.query.moduleKey, '');
    const installed = host.installed;
    if (!installed) return void res.status(409).json({ error: { code: 'not_installed', message: 'No app is installed.' } });
    res.json({ url: `${base}/plugins/servlet/ac/${encodeURIComponent(installed.appKey)}/${encodeURIComponent(moduleKey)}` });
  });

  router.get('/connect-keys/:kid', (req, res) => {
    if (req.params.kid !== host.keyId) return void res.status(404).type('text/plain').send('Unknown key id');
    res.type('text/plain').send(host.publicKeyPem);
  });

  router.get('/atlassian-connect/all.js', (_req, res) => res.type('application/javascript').sendFile(join(ASSETS, 'ap-shim.js')));
  router.use('/assets', express.static(ASSETS, { index: false }));
  return router;
}

function viewRenderer(): (view: string, model: Record<string, unknown>) => string {
  const handlebars = Handlebars.create();
  handlebars.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const layout = handlebars.compile(readFileSync(join(VIEWS, 'layout.hbs'), 'utf8'));
  const views = new Map<string, Handlebars.TemplateDelegate>();
  return (view, model) => {
    let template = views.get(view);
    if (!template) {
      template = handlebars.compile(readFileSync(join(VIEWS, `${view}.hbs`), 'utf8'));
      views.set(view, template);
    }
    return layout({ ...model, body: template(model) });
  };
}

/** A query or form value as text, or `fallback` when absent or not a single string. */
function queryText(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
