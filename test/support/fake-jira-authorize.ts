import { randomBytes } from 'node:crypto';

/** A request token as the fake Jira keeps it, from step 1 to its single exchange in step 3. */
export interface RequestToken {
  consumerKey: string;
  secret: string;
  callback: string;
  createdAt: number;
  user?: string;
  verifier?: string;
  denied?: boolean;
  used?: boolean;
}

type Send = (status: number, headers: Record<string, string>, body: string) => void;

/**
 * Jira's `/plugins/servlet/oauth/authorize` for a browser whose Jira session belongs to `browserUser`:
 * GET shows Allow and Deny (stable ids `#allow`, `#deny` for browser tests); POST records the decision and
 * redirects to the consumer's callback with `oauth_verifier`, or with `oauth_problem=permission_denied` on
 * Deny. With an `oob` callback the verifier is shown on the page (`#verifier`) for the admin to copy.
 */
export function authorizePage(method: string, form: string, tokens: Map<string, RequestToken>, browserUser: string, send: Send): void {
  const fields = new URLSearchParams(form);
  const tokenValue = fields.get('oauth_token') ?? '';
  const token = tokens.get(tokenValue);
  const html = (status: number, inner: string): void =>
    send(
      status,
      { 'Content-Type': 'text/html;charset=UTF-8' },
      `<!doctype html><html><head><title>OAuth Access Request</title></head><body>${inner}</body></html>`,
    );
  if (token === undefined || token.used) return html(400, '<h1 id="error">The request token is invalid or was already used.</h1>');
  if (method !== 'POST') {
    return html(
      200,
      `<h1>Allow access?</h1><p>The application with consumer key <code>${escapeHtml(token.consumerKey)}</code> asks to act as <b id="user">${escapeHtml(browserUser)}</b>.</p>` +
        `<form method="post"><input type="hidden" name="oauth_token" value="${escapeHtml(tokenValue)}">` +
        '<button id="allow" name="decision" value="allow">Allow</button> <button id="deny" name="decision" value="deny">Deny</button></form>',
    );
  }
  const allow = fields.get('decision') === 'allow';
  if (allow) Object.assign(token, { user: browserUser, verifier: randomBytes(8).toString('hex') });
  else token.denied = true;
  if (token.callback === 'oob') {
    return allow
      ? html(200, `<p>Enter this verification code: <code id="verifier">${token.verifier}</code></p>`)
      : html(200, '<p id="denied">Access denied.</p>');
  }
  const back = new URL(token.callback);
  back.searchParams.set('oauth_token', tokenValue);
  back.searchParams.set(allow ? 'oauth_verifier' : 'oauth_problem', allow ? token.verifier! : 'permission_denied');
  send(302, { Location: back.toString() }, '');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
