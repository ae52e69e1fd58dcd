import type { InstallationPayload, Tenant, TenantRepository } from '../../../../src/domain/tenancy/tenant';

export function tenant(clientKey: string, sharedSecret = `secret-of-${clientKey}`): Tenant {
  return {
    clientKey,
    baseUrl: `https://${clientKey}.atlassian.net`,
    productType: 'jira',
    sharedSecret,
    installedAt: new Date('2025-01-01T00:00:00Z'),
    updatedAt: new Date('2025-01-01T00:00:00Z'),
    uninstalledAt: null,
  };
}

/**
 * An in-memory TenantRepository that counts reads. With `hold()` reads wait until `release()`,
 * so that a test can act while a read is in flight.
 */
export class FakeTenantRepository implements TenantRepository {
  readonly installed = new Map<string, Tenant>();
  reads = 0;
  private held: Array<() => void> | undefined;

  install(t: Tenant): void {
    this.installed.set(t.clientKey, t);
  }

  hold(): void {
    this.held = [];
  }

  /** Lets every held read answer, with what is installed at the moment each was asked (a snapshot). */
  release(): void {
    const waiting = this.held ?? [];
    this.held = undefined;
    for (const resume of waiting) resume();
  }

  async findInstalled(clientKey: string): Promise<Tenant | null> {
    this.reads += 1;
    const answer = this.installed.get(clientKey) ?? null;
    if (this.held) await new Promise<void>((resume) => this.held!.push(resume));
    return answer;
  }

  async saveInstallation(_payload: InstallationPayload, _at: Date): Promise<Tenant> {
    throw new Error('not used by these tests');
  }
  async installationInfo(): Promise<Record<string, unknown> | null> {
    throw new Error('not used by these tests');
  }
  async markUninstalled(): Promise<boolean> {
    throw new Error('not used by these tests');
  }
  async purgeUninstalledBefore(): Promise<string[]> {
    throw new Error('not used by these tests');
  }
}
