import assert from 'node:assert/strict';

/** The admin's browser on Jira's authorize page: loads it, clicks Allow or Deny, returns where Jira sends it. */
export async function browserDecides(authorizeUrl: string, decision: 'allow' | 'deny'): Promise<URL> {
  const page = await fetch(authorizeUrl);
  assert.match(await page.text(), /<button id="allow"/);
  const token = new URL(authorizeUrl).searchParams.get('oauth_token')!;
  const answer = await fetch(authorizeUrl.split('?')[0]!, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ oauth_token: token, decision }).toString(),
    redirect: 'manual',
  });
  assert.equal(answer.status, 302);
  return new URL(answer.headers.get('location')!);
}
