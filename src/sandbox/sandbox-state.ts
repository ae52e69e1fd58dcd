import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

export interface PersistedState {
  clientKey: string;
  installed: InstalledApp | null;
  userProperties: Record<string, Record<string, unknown>>;
}

type JournalLine = { accountId: string; key: string; value?: unknown; deleted?: true };

/**
 * The state as `file` and its journal hold it (what a test or a benchmark reads to see what the host
 * stored); undefined when there is no file.
 */
export function readSandboxState(file: string): PersistedState | undefined {
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
  const journal = journalOf(file);
  if (existsSync(journal)) {
    for (const line of readFileSync(journal, 'utf8').split('\n')) {
      // A line cut short by a crash mid-append was never acknowledged: it is skipped.
      let change: JournalLine;
      try {
        change = JSON.parse(line) as JournalLine;
      } catch {
        continue;
      }
      const properties = (state.userProperties[change.accountId] ??= {});
      if (change.deleted) delete properties[change.key];
      else properties[change.key] = change.value;
    }
  }
  return state;
}

/** Where the property changes since the last snapshot are appended. */
export function journalOf(file: string): string {
  return `${file}.journal`;
}

/**
 * What the sandbox host remembers: its clientKey, the installed app, and user properties. Kept in a
 * JSON file in development (data/sandbox-host.json, git-ignored) so that a restart keeps the install;
 * in memory for tests. This is the stand-in host's own record, not Twofold's data.
 *
 * A property change is one line appended to a journal beside the file (written before the host answers,
 * so that a killed process keeps every change it acknowledged, as Jira would); the whole state is written
 * at start and on install. Writing the whole file for each property, as it once did, cost a rollout of
 * 20,000 users a 4 MB JSON file per user.
 */
export class SandboxState {
  private state: PersistedState;

  constructor(
    private readonly file: string | undefined,
    newClientKey: () => string,
  ) {
    const loaded = file ? readSandboxState(file) : undefined;
    this.state = loaded ?? { clientKey: newClientKey(), installed: null, userProperties: {} };
    // The journal is folded into the file once at start.
    if (loaded) this.save();
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
    this.journal({ accountId, key, value });
    return created;
  }

  deleteUserProperty(accountId: string, key: string): boolean {
    const properties = this.state.userProperties[accountId];
    if (!properties || !(key in properties)) return false;
    delete properties[key];
    this.journal({ accountId, key, deleted: true });
    return true;
  }

  private journal(change: JournalLine): void {
    if (!this.file) return;
    // A leading newline ends a line a crash may have cut short, so that this one parses on its own.
    appendFileSync(journalOf(this.file), `\n${JSON.stringify(change)}`, { mode: 0o600 });
  }

  private save(): void {
    if (!this.file) return;
    mkdirSync(dirname(this.file), { recursive: true });
    const temporary = `${this.file}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    renameSync(temporary, this.file); // a crash mid-write leaves the previous state whole
    rmSync(journalOf(this.file), { force: true });
  }
}
