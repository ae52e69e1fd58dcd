import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTwofoldApp, type AppOverrides, type TwofoldApp } from '../../src/app';
import { loadConfig } from '../../src/config/load-config';
import type { SandboxConnectHost } from '../../src/sandbox/connect-host';
import { SANDBOX_USERS } from '../../src/sandbox/fixtures';

export const ALICE_ADMIN = SANDBOX_USERS[0]!;
export const BOB_MEMBER = SANDBOX_USERS[1]!;

export interface TestApp {
  baseUrl: string;
  twofold: TwofoldApp;
  host: SandboxConnectHost;
  server: Server;
  /** Installs the app into the sandbox host with a real RS256-signed hook. */
  install(): Promise<void>;
  /** A Connect context token (qsh `context-qsh`) for a user of the sandbox tenant. */
  contextToken(accountId: string): string;
  /** Calls the app; a token becomes `Authorization: JWT <token>`. */
  request(method: string, path: string, options?: { token?: string; body?: unknown; headers?: Record<string, string> }): Promise<TestResponse>;
  close(): Promise<void>;
}

export interface TestResponse {
  status: number;
  headers: Headers;
  text: string;
  json<T = any>(): T;
}

export interface StartOptions {
  databaseUrl: string;
  masterKey?: Buffer;
  env?: Record<string, string>;
  overrides?: AppOverrides;
}

/**
 * Boots the whole app in-process on an ephemeral port of 127.0.0.1, with the sandbox Jira host on (it
 * signs install hooks and serves the keys the app fetches, like Atlassian's CDN).
 */
export async function startTestApp(options: StartOptions): Promise<TestApp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    AC_LOCAL_BASE_URL: baseUrl,
    DATABASE_URL: options.databaseUrl,
    TWOFOLD_MASTER_KEY: (options.masterKey ?? randomBytes(32)).toString('base64'),
    TWOFOLD_SANDBOX: 'true',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.env,
  });
  const twofold = await createTwofoldApp(config, options.overrides);
  server.on('request', twofold.handler);
  const host = twofold.sandbox!.host;

  return {
    baseUrl,
    twofold,
    host,
    server,
    async install() {
      // The app sets ACE's key server (CONNECT_KEYS_CDN_URL, process-wide) once at boot, as one app per
      // process needs. Tests run several instances in one process, each with a sandbox of its own keys:
      // point ACE at this instance's before its install hook arrives.
      setConnectKeysUrl(twofold.config.connectKeysCdnUrl);
      await host.install(`${baseUrl}/atlassian-connect.json`);
    },
    contextToken: (accountId) => host.contextToken(accountId),
    async request(method, path, requestOptions = {}) {
      const headers: Record<string, string> = { Accept: 'application/json', ...requestOptions.headers };
      if (requestOptions.token) headers.Authorization = `JWT ${requestOptions.token}`;
      let body: string | undefined;
      if (requestOptions.body !== undefined) {
        headers['Content-Type'] ??= 'application/json';
        body = typeof requestOptions.body === 'string' ? requestOptions.body : JSON.stringify(requestOptions.body);
      }
      const response = await fetch(`${baseUrl}${path}`, { method, headers, body, redirect: 'manual' });
      const text = await response.text();
      return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await twofold.close();
    },
  };
}

function setConnectKeysUrl(url: string | undefined): void {
  if (url === undefined) delete process.env.CONNECT_KEYS_CDN_URL;
  else process.env.CONNECT_KEYS_CDN_URL = url;
}
