import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface InstalledApp {
  appKey: string;
  appBaseUrl: string;
  descriptorUrl: string;
  /** The host's copy of the secret it shared with the app (Jira keeps one too). */
  sharedSecret: string;
  installedAt: string;
  descriptor: AppDescriptor;
}

export interface AppDescriptor {
  key: string;
  name: string;
  baseUrl: string;
  lifecycle?: { installed?: string; uninstalled?: string };
  modules?: { adminPages?: PageModule[]; generalPages?: PageModule[] };
}

export interface PageModule {
  key: string;
  name: { value: string };
  url: string;
}

interface PersistedState {
  clientKey: string;
  installed: InstalledApp | null;
  userProperties: Record<string, Record<string, unknown>>;
}

/**
 * What the sandbox host remembers: its clientKey, the installed app, and user properties. Kept in a
 * JSON file in development (data/sandbox-host.json, git-ignored) so that a restart keeps the install;
 * in memory for tests. This is the stand-in host's own record, not Twofold's data.
 */
export class SandboxState {
  private state: PersistedState;

  constructor(
    private readonly file: string | undefined,
    newClientKey: () => string,
  ) {
    const loaded = file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PersistedState) : undefined;
    this.state = loaded ?? { clientKey: newClientKey(), installed: null, userProperties: {} };
  }

  get clientKey(): string {
    return this.state.clientKey;
  }

  get installed(): InstalledApp | null {
    return this.state.installed;
  }

  setInstalled(app: InstalledApp | null): void {
    this.state.installed = app;
    this.save();
  }

  userProperties(accountId: string): Record<string, unknown> {
    return this.state.userProperties[accountId] ?? {};
  }

  setUserProperty(accountId: string, key: string, value: unknown): boolean {
    const properties = (this.state.userProperties[accountId] ??= {});
    const created = !(key in properties);
    properties[key] = value;
    this.save();
    return created;
  }

  deleteUserProperty(accountId: string, key: string): boolean {
    const properties = this.state.userProperties[accountId];
    if (!properties || !(key in properties)) return false;
    delete properties[key];
    this.save();
    return true;
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    renameSync(temporary, this.file); // a crash mid-write leaves the previous state whole
  }
}
