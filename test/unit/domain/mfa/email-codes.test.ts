import assert from 'node:assert/strict';
import {
  emailCodeMatches,
  generateEmailCode,
  hashEmailCode,
  maskEmailAddress,
  normalizeEmailCode,
  type EmailCodeIssue,
  type EmailCodePurpose,
  type EmailCodeRepository,
  type NewEmailCode,
  type StoredEmailCode,
} from '../../../../src/domain/mfa/email-code';
import { EmailCodeService } from '../../../../src/domain/mfa/email-code-service';
import { EmailConfirmation, type EmailConfirmationRepository } from '../../../../src/domain/mfa/email-confirmation';
import { VerificationService } from '../../../../src/domain/mfa/verification-service';
import type { TenantPolicy } from '../../../../src/domain/policy/policy';
import type { MailMessage, MailSender } from '../../../../src/domain/ports/mail-sender';
import { detailsOf, isTwofoldError } from '../../../../src/domain/errors';
import { SeededRandom } from './fixtures';
import { ALICE, TENANT, harness } from './service-harness';

/** Email codes in memory, with the repository's contract: the limit counted before storing, conditional redeem. */
class InMemoryEmailCodes implements EmailCodeRepository, EmailConfirmationRepository {
  readonly rows: Array<NewEmailCode & { tenant: string; accountId: string; usedAt: Date | null }> = [];
  readonly confirmed = new Map<string, string>();
  async issue(tenant: string, accountId: string, code: NewEmailCode, limit: { since: Date; max: number }): Promise<EmailCodeIssue> {
    const mine = (r: { tenant: string; accountId: string }) => r.tenant === tenant && r.accountId === accountId;
    for (let i = this.rows.length - 1; i >= 0; i -= 1) if (mine(this.rows[i]!) && this.rows[i]!.createdAt <= limit.since) this.rows.splice(i, 1);
    const inWindow = this.rows.filter((r) => mine(r) && r.createdAt > limit.since).sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    if (inWindow.length >= limit.max) return { issued: false, oldestSendAt: inWindow[0]!.createdAt };
    this.rows.push({ ...code, tenant, accountId, usedAt: null });
    return { issued: true };
  }
  async live(tenant: string, accountId: string, purpose: EmailCodePurpose, now: Date): Promise<StoredEmailCode[]> {
    return this.rows.filter((r) => r.tenant === tenant && r.accountId === accountId && r.purpose === purpose && r.expiresAt > now);
  }
  async redeem(tenant: string, accountId: string, codeId: string, now: Date) {
    const row = this.rows.find((r) => r.tenant === tenant && r.accountId === accountId && r.id === codeId && r.usedAt === null && r.expiresAt > now);
    if (!row) return null;
    row.usedAt = now;
    return { address: row.address };
  }
  async discard(tenant: string, accountId: string, codeId: string) {
    const index = this.rows.findIndex((r) => r.tenant === tenant && r.accountId === accountId && r.id === codeId);
    if (index >= 0) this.rows.splice(index, 1);
  }
  async confirmedAddress(tenant: string, accountId: string) {
    return this.confirmed.get(`${tenant}/${accountId}`) ?? null;
  }
  async saveConfirmation(tenant: string, accountId: string, address: string) {
    this.confirmed.set(`${tenant}/${accountId}`, address);
  }
}

class CapturingMail implements MailSender {
  readonly sent: MailMessage[] = [];
  failing = false;
  async send(message: MailMessage) {
    if (this.failing) throw new Error('421 service not available');
    this.sent.push(message);
  }
  lastCode(): string {
    const match = /(\d{4}) (\d{4})/.exec(this.sent.at(-1)?.text ?? '');
    assert.ok(match, 'a code in the last message');
    return `${match[1]}${match[2]}`;
  }
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; error: unknown }> {
  try {
    await promise;
  } catch (error) {
    if (isTwofoldError(error)) return { code: error.code, error };
    throw error;
  }
  assert.fail('expected a refusal');
}

function setup(policyOverrides: Partial<TenantPolicy> = { methods: ['totp', 'backup_codes', 'email'] }, mailAvailable = true) {
  const h = harness(policyOverrides);
  const codes = new InMemoryEmailCodes();
  const mail = new CapturingMail();
  const service = new EmailCodeService({ codes, directory: h.directory, mail: mailAvailable ? mail : null, audit: h.audit, clock: h.clock, random: h.random });
  const state = {
    read: async (tenant: string, accountId: string) => ({
      credential: await h.credentials.findActive(tenant, accountId),
      user: h.failures.user(tenant, accountId),
      tenant: h.failures.tenant(tenant),
    }),
  };
  const verification = new VerificationService({
    state,
    credentials: h.credentials,
    backupCodes: h.backupCodes,
    failures: h.failures,
    sessions: h.sessions,
    browserSessions: h.browserSessionRows,
    audit: h.audit,
    clock: h.clock,
    random: h.random,
    emailCodes: codes,
  });
  const confirmation = new EmailConfirmation({
    codes,
    confirmations: codes,
    directory: h.directory,
    state,
    failures: h.failures,
    audit: h.audit,
    clock: h.clock,
  });
  return { ...h, codes, mail, service, verification, confirmation };
}

describe('Email codes', () => {
  describe('the code', () => {
    it('is 8 uniformly drawn digits', () => {
      const random = new SeededRandom('email');
      const counts = new Array<number>(10).fill(0);
      for (let i = 0; i < 2000; i += 1) {
        const code = generateEmailCode(random);
        assert.match(code, /^\d{8}$/);
        for (const digit of code) counts[Number(digit)]! += 1;
      }
      // 16,000 digits: each of the ten within ±15 % of 1,600.
      for (const count of counts) assert.ok(count > 1360 && count < 1840, `digit counts ${counts.join(',')}`);
    });

    it('is stored as a salted HMAC: equal codes hash differently, and only the code matches its hash', () => {
      const random = new SeededRandom('hash');
      const a = hashEmailCode('12345678', random);
      const b = hashEmailCode('12345678', random);
      assert.notEqual(a, b);
      assert.equal(a.includes('12345678'), false);
      assert.ok(emailCodeMatches('12345678', a) && emailCodeMatches('12345678', b));
      assert.equal(emailCodeMatches('12345679', a), false);
      assert.equal(emailCodeMatches('12345678', 'scrypt$x$y'), false);
    });

    it('accepts spaces and dashes between the digits, nothing else', () => {
      assert.equal(normalizeEmailCode('1234 5678'), '12345678');
      assert.equal(normalizeEmailCode('1234-5678'), '12345678');
      assert.equal(normalizeEmailCode('1234567'), null);
      assert.equal(normalizeEmailCode('1234567a'), null);
    });

    it('masks the address', () => {
      assert.equal(maskEmailAddress('bob@example.com'), 'b***@example.com');
      assert.equal(maskEmailAddress('Alice@Example.com'), 'A***@Example.com');
      assert.equal(maskEmailAddress('nobody'), '***');
    });
  });

  describe('sending', () => {
    it('sends to the Jira address, answers it masked with the expiry in 10 minutes, and audits the send', async () => {
      const { service, policy, mail, clock, audit } = setup();
      const sent = await service.send(TENANT, ALICE, policy, 'verify', '203.0.113.7');
      assert.deepEqual(sent, { sentTo: 'A***@Example.com', expiresAt: new Date(clock.now().getTime() + 600_000) });
      assert.equal(mail.sent.length, 1);
      assert.equal(mail.sent[0]!.to, 'Alice@Example.com');
      assert.match(mail.sent[0]!.text, /203\.0\.113\.7/);
      assert.match(mail.sent[0]!.text, /2024-05-01 12:00:00 UTC/);
      assert.ok(mail.sent[0]!.text.includes(policy.branding.serviceName));
      assert.doesNotMatch(mail.sent[0]!.text, /https?:/);
      assert.deepEqual(audit.actions(), ['email_code.sent']);
    });

    it('refuses: method_disabled without email in the policy, mail_not_configured without mail, email_hidden without an address', async () => {
      const off = setup({});
      assert.equal((await refusal(off.service.send(TENANT, ALICE, off.policy, 'verify', null))).code, 'method_disabled');
      const noMail = setup(undefined, false);
      assert.equal((await refusal(noMail.service.send(TENANT, ALICE, noMail.policy, 'verify', null))).code, 'mail_not_configured');
      assert.equal(await noMail.service.usableFor(TENANT, ALICE, noMail.policy), false);
      const on = setup();
      assert.equal((await refusal(on.service.send(TENANT, 'bob-account', on.policy, 'verify', null))).code, 'email_hidden');
      assert.equal(await on.service.usableFor(TENANT, 'bob-account', on.policy), false);
      assert.equal(await on.service.usableFor(TENANT, ALICE, on.policy), true);
      assert.equal(on.mail.sent.length + noMail.mail.sent.length + off.mail.sent.length, 0);
    });

    it('sends at most 3 in 15 minutes; the 4th is too_many_emails with the wait until the first leaves the window', async () => {
      const { service, policy, clock, mail } = setup();
      for (let i = 0; i < 3; i += 1) {
        await service.send(TENANT, ALICE, policy, 'verify', null);
        clock.advance(2 * 60_000);
      }
      const refused = await refusal(service.send(TENANT, ALICE, policy, 'verify', null));
      assert.equal(refused.code, 'too_many_emails');
      assert.deepEqual(detailsOf(refused.error, 'too_many_emails'), { retryAfterSeconds: 9 * 60 });
      assert.equal(mail.sent.length, 3);
      clock.advance(9 * 60_000 - 1000);
      assert.equal((await refusal(service.send(TENANT, ALICE, policy, 'verify', null))).code, 'too_many_emails');
      clock.advance(1000);
      await service.send(TENANT, ALICE, policy, 'verify', null);
      assert.equal(mail.sent.length, 4);
    });

    it('a delivery that fails is 503 service_unavailable and uses up none of the sends', async () => {
      const { service, policy, mail, codes } = setup();
      mail.failing = true;
      for (let i = 0; i < 4; i += 1) assert.equal((await refusal(service.send(TENANT, ALICE, policy, 'verify', null))).code, 'service_unavailable');
      assert.equal(codes.rows.length, 0);
      mail.failing = false;
      await service.send(TENANT, ALICE, policy, 'verify', null);
      assert.equal(mail.sent.length, 1);
    });
  });

  describe('verifying with an email code', () => {
    it('starts a session once; the same code again is code_reused, and a code past 10 minutes is invalid_code', async () => {
      const { service, verification, policy, mail, clock, context } = setup();
      await service.send(TENANT, ALICE, policy, 'verify', null);
      const code = mail.lastCode();
      const verified = await verification.verify(context(), { emailCode: code });
      assert.equal(verified.method, 'email');
      assert.equal(verified.verifiedAt.getTime(), clock.now().getTime());
      assert.equal((await refusal(verification.verify(context(), { emailCode: code }))).code, 'code_reused');

      await service.send(TENANT, ALICE, policy, 'verify', null);
      const late = mail.lastCode();
      clock.advance(10 * 60_000);
      assert.equal((await refusal(verification.verify(context(), { emailCode: late }))).code, 'invalid_code');
    });

    it('counts a wrong code against the lockout budget like any code, and refuses email codes the policy turned off', async () => {
      const { service, verification, policy, mail, context } = setup();
      await service.send(TENANT, ALICE, policy, 'verify', null);
      const wrong = String((Number(mail.lastCode()) + 1) % 1e8).padStart(8, '0');
      const first = await refusal(verification.verify(context(), { emailCode: wrong }));
      assert.deepEqual(detailsOf(first.error, 'invalid_code'), { attemptsLeft: 4 });
      for (let i = 0; i < 3; i += 1) await refusal(verification.verify(context(), { emailCode: wrong }));
      assert.equal((await refusal(verification.verify(context(), { emailCode: wrong }))).code, 'locked_out');
      assert.equal((await refusal(verification.verify(context(), { emailCode: mail.lastCode() }))).code, 'locked_out');
      const off = { ...policy, methods: ['totp', 'backup_codes'] as TenantPolicy['methods'] };
      assert.equal((await refusal(verification.verify(context('carol-account', off), { emailCode: mail.lastCode() }))).code, 'method_disabled');
    });

    it('a code sent to confirm the address does not verify, and an email code proves no sensitive action', async () => {
      const h = setup({ methods: ['totp', 'backup_codes', 'email'], confirmEmailOnEnrollment: true });
      await h.service.send(TENANT, ALICE, h.policy, 'confirm_email', null);
      assert.equal((await refusal(h.verification.verify(h.context(), { emailCode: h.mail.lastCode() }))).code, 'invalid_code');
      await h.service.send(TENANT, ALICE, h.policy, 'verify', null);
      assert.equal((await refusal(h.verification.proveForAction(h.context(), { emailCode: h.mail.lastCode() }, 'totp.remove'))).code, 'method_disabled');
    });
  });

  describe('confirming the address during onboarding', () => {
    it('confirms with the code, once; a wrong code costs an attempt', async () => {
      const h = setup({ confirmEmailOnEnrollment: true });
      assert.equal((await refusal(h.confirmation.requireConfirmed(TENANT, ALICE, h.policy))).code, 'email_not_confirmed');
      await h.service.send(TENANT, ALICE, h.policy, 'confirm_email', null);
      const code = h.mail.lastCode();
      const wrong = await refusal(h.confirmation.confirm(TENANT, ALICE, h.policy, String((Number(code) + 3) % 1e8).padStart(8, '0')));
      assert.deepEqual(detailsOf(wrong.error, 'invalid_code'), { attemptsLeft: 4 });
      await h.confirmation.confirm(TENANT, ALICE, h.policy, code);
      await h.confirmation.requireConfirmed(TENANT, ALICE, h.policy);
      assert.equal((await refusal(h.confirmation.confirm(TENANT, ALICE, h.policy, code))).code, 'code_reused');
      assert.equal(h.failures.user(TENANT.clientKey, ALICE).failures, 0, 'the success cleared the count');
    });

    it('the policy without confirmation asks for none; with it, sending for confirmation is refused when the policy is off', async () => {
      const h = setup({});
      await h.confirmation.requireConfirmed(TENANT, ALICE, h.policy);
      assert.equal((await refusal(h.service.send(TENANT, ALICE, h.policy, 'confirm_email', null))).code, 'forbidden');
    });
  });
});
