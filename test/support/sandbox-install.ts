import assert from 'node:assert/strict';

/**
 * Installs the app running at `base` into its own sandbox Jira site, as an admin would on "Manage apps",
 * and waits until the sandbox holds it. The sandbox answers the form with a redirect either way (its
 * message says whether the install worked); on a loaded machine a first install can time out (the hook,
 * the key fetch), so it is tried again, and a last failure says what the sandbox said.
 */
export async function installIntoSandbox(base: string, attempts = 3): Promise<void> {
  let said = '';
  for (let attempt = 0; attempt < attempts; attempt += 1) {
    const install = await fetch(`${base}/sandbox/plugins/servlet/upm/install`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ descriptorUrl: `${base}/atlassian-connect.json` }).toString(),
      redirect: 'manual',
    });
    assert.equal(install.status, 303);
    said = install.headers.get('location') ?? '';
    const minted = await fetch(`${base}/sandbox/api/context-token`, { method: 'POST' });
    if (minted.status === 200) return;
    await new Promise((done) => setTimeout(done, 1000));
  }
  throw new Error(`the sandbox did not install the app: ${decodeURIComponent(said)}`);
}
