import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const NGINX_DOC = join(__dirname, '..', '..', 'docs', 'nginx.md');

/** The placeholders of docs/nginx.md's configuration (the admin page's snippet, filled in with these). */
export const DOC_VALUES = { twofoldUrl: 'https://twofold.example.com', dataCenterUrl: 'http://jira-internal.example.com:8080', gateKey: 'tfg_YOUR_GATE_KEY' };

/** The nginx block under "## The whole configuration" in docs/nginx.md, as written there. */
export function documentedConfiguration(): string {
  const doc = readFileSync(NGINX_DOC, 'utf8');
  const section = doc.slice(doc.indexOf('## The whole configuration'));
  const match = /```nginx\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('docs/nginx.md has no nginx block under "The whole configuration"');
  return match[1] as string;
}

/**
 * The documented configuration for a test run: Twofold's, the Data Center's and the gate's values in
 * place of the placeholders, a plain listener on `port` of loopback in place of TLS (and no port-80
 * redirect), and the paths nginx writes to inside `prefix`, so that it runs without root's files.
 */
export function testConfiguration(values: { twofoldUrl: string; dataCenterUrl: string; gateKey: string; port: number; prefix: string }): string {
  let text = documentedConfiguration()
    .replaceAll(DOC_VALUES.twofoldUrl, values.twofoldUrl)
    .replaceAll(DOC_VALUES.dataCenterUrl, values.dataCenterUrl)
    .replaceAll(DOC_VALUES.gateKey, values.gateKey)
    .replace(/ *# BEGIN http-redirect[\s\S]*?# END http-redirect\n/, '')
    .replace('listen 443 ssl http2;', `listen 127.0.0.1:${values.port};`)
    .split('\n')
    .filter((line) => !/^\s*ssl_/.test(line))
    .join('\n');
  const p = values.prefix;
  text = text.replace(
    'http {',
    `http {\n    access_log ${p}/access.log;\n    client_body_temp_path ${p}/client_body;\n    proxy_temp_path ${p}/proxy;\n    fastcgi_temp_path ${p}/fastcgi;\n    uwsgi_temp_path ${p}/uwsgi;\n    scgi_temp_path ${p}/scgi;`,
  );
  return `pid ${p}/nginx.pid;\nerror_log ${p}/error.log info;\n${text.replace('worker_processes auto;', 'worker_processes 1;')}`;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Debian's nginx, started on the given configuration in a temporary prefix; stopped (and its prefix removed) by `stop`. */
export class Nginx {
  private constructor(
    private readonly child: ChildProcess,
    readonly prefix: string,
    readonly port: number,
  ) {}

  /** `port`: where the configuration listens (a free one unless given). */
  static async start(configure: (prefix: string, port: number) => string, port?: number): Promise<Nginx> {
    const prefix = mkdtempSync(join(tmpdir(), 'twofold-nginx-'));
    mkdirSync(join(prefix, 'logs'));
    port ??= await freePort();
    const file = join(prefix, 'nginx.conf');
    writeFileSync(file, configure(prefix, port));
    const child = spawn('nginx', ['-p', prefix, '-c', file, '-e', join(prefix, 'error.log'), '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const nginx = new Nginx(child, prefix, port);
    for (let attempt = 0; attempt < 100; attempt += 1) {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}${safeRead(join(prefix, 'error.log'))}`);
      if (await accepts(port)) return nginx;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await nginx.stop();
    throw new Error(`nginx did not listen on ${port}: ${stderr}`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  errorLog(): string {
    return safeRead(join(this.prefix, 'error.log'));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGQUIT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 3000))]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    rmSync(this.prefix, { recursive: true, force: true });
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function safeRead(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
