/**
 * A small, real Jira Data Center for the gate's tests, at the root of its own port: a login form that
 * sets `JSESSIONID`, `/rest/auth/1/session` (who is this cookie?), a protected page, the REST calls the
 * connector makes (Basic auth, through fake-jira-rest.ts) and a Git smart-HTTP endpoint for Basic-auth
 * "git clients". It knows nothing of Twofold: nginx in front of it (or a test playing nginx) asks the gate.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleRest, type FakeJiraUser } from './fake-jira-rest';

export interface FakeDataCenterOptions {
  users: FakeJiraUser[];
  groups: Record<string, string[]>;
}

export class FakeDataCenter {
  /** JSESSIONID → username. */
  readonly sessions = new Map<string, string>();
  /** How often `/rest/auth/1/session` was asked (the gate caches its answers). */
  sessionLookups = 0;
  readonly #server: Server;
  #baseUrl = '';

  private constructor(private readonly options: FakeDataCenterOptions) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  static async start(options: FakeDataCenterOptions): Promise<FakeDataCenter> {
    const fake = new FakeDataCenter(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    fake.#baseUrl = `http://127.0.0.1:${(fake.#server.address() as AddressInfo).port}`;
    return fake;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** Logs `username` in as a browser would, answering the new session cookie (`JSESSIONID=…`). */
  login(username: string): string {
    const sid = randomBytes(16).toString('hex').toUpperCase();
    this.sessions.set(sid, username);
    return `JSESSIONID=${sid}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const sessionUser = this.#sessionUser(req.headers.cookie);
    const html = (status: number, text: string, headers: Record<string, string> = {}): void =>
      void res
        .writeHead(status, { 'Content-Type': 'text/html;charset=UTF-8', ...headers })
        .end(`<!doctype html><html><head><title>Fake Jira</title></head><body>${text}</body></html>`);

    if (url.pathname === '/login.jsp' && method === 'GET') {
      const destination = url.searchParams.get('os_destination') ?? '/secure/Dashboard.jspa';
      return html(
        200,
        `<h1>Log in to Fake Jira</h1><form method="post" action="/login.jsp"><input type="hidden" name="os_destination" value="${escape(destination)}">
        <label>Username <input name="os_username" id="login-form-username"></label><label>Password <input type="password" name="os_password" id="login-form-password"></label>
        <button type="submit" id="login-form-submit">Log In</button></form>`,
      );
    }
    if (url.pathname === '/login.jsp' && method === 'POST') {
      const form = new URLSearchParams(body);
      const user = this.options.users.find((u) => u.name === form.get('os_username') && u.password === form.get('os_password'));
      if (!user) return html(401, '<p id="login-error">Sorry, your username and password are incorrect.</p>');
      const cookie = this.login(user.name);
      const destination = form.get('os_destination') ?? '/secure/Dashboard.jspa';
      return void res.writeHead(302, { Location: destination.startsWith('/') ? destination : '/', 'Set-Cookie': `${cookie}; Path=/; HttpOnly` }).end();
    }
    if (url.pathname === '/rest/auth/1/session' && method === 'GET') {
      this.sessionLookups += 1;
      if (sessionUser === undefined) return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"errorMessages":["not logged in"]}');
      return void res
        .writeHead(200, { 'Content-Type': 'application/json' })
        .end(JSON.stringify({ self: `${this.#baseUrl}/rest/api/latest/user?username=${sessionUser.name}`, name: sessionUser.name, loginInfo: {} }));
    }
    if (url.pathname.startsWith('/rest/api/2/')) {
      const caller = this.#basicUser(req.headers.authorization);
      if (caller === undefined) return void res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"errorMessages":["unauthorized"]}');
      const answer = handleRest({
        method,
        path: url.pathname,
        query: url.searchParams,
        body,
        user: caller,
        users: this.options.users,
        groups: this.options.groups,
        properties: new Map(),
        baseUrl: this.#baseUrl,
      });
      return void res.writeHead(answer.status, { 'Content-Type': 'application/json' }).end(answer.body === undefined ? '' : JSON.stringify(answer.body));
    }
    if (url.pathname.startsWith('/scm/')) {
      const caller = this.#basicUser(req.headers.authorization);
      if (caller === undefined) return void res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="Fake Jira"' }).end();
      return void res.writeHead(200, { 'Content-Type': 'text/plain' }).end(`refs for ${caller.name}\n`);
    }
    if (url.pathname === '/favicon.ico') return void res.writeHead(404).end();
    if (sessionUser === undefined)
      return void res.writeHead(302, { Location: `/login.jsp?os_destination=${encodeURIComponent(url.pathname + url.search)}` }).end();
    return html(
      200,
      `<h1 id="protected">${escape(url.pathname)}</h1><p>Welcome, <span id="user">${escape(sessionUser.displayName)}</span>. This page is Data Center's own.</p>`,
    );
  }

  #sessionUser(cookie: string | undefined): FakeJiraUser | undefined {
    const sid = /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(cookie ?? '')?.[1];
    const name = sid === undefined ? undefined : this.sessions.get(sid);
    return name === undefined ? undefined : this.options.users.find((u) => u.name === name);
  }

  #basicUser(authorization: string | undefined): FakeJiraUser | undefined {
    const match = /^Basic (.+)$/.exec(authorization ?? '');
    if (!match) return undefined;
    const [name, ...rest] = Buffer.from(match[1] as string, 'base64')
      .toString('utf8')
      .split(':');
    return this.options.users.find((u) => u.name === name && u.password === rest.join(':'));
  }
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
