import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { QueryTypes } from 'sequelize';
import { timeStepAt, totpAtStep } from '../../../src/domain/mfa/totp';
import type { FixedClock } from '../../../src/domain/ports/clock';
import { staffUsers } from '../../../src/sandbox/fixtures';
import { postgresLaneOrSkip } from '../../support/database-lanes';
import { FakeDataCenter } from '../../support/fake-data-center';
import type { FakeJiraUser } from '../../support/fake-jira-rest';
import { steppedClock } from '../../support/stepped-clock';
import type { TestApp, TestResponse } from '../../support/test-app';
import { startTwoAppInstances, type TwoAppInstances } from '../../support/two-app-instances';
import { admin, connectAndEnforce, gateCookieOf, SERVICE, totpNow } from '../gate/gate-support';
import { enroll, type Enrolled } from '../mfa/support';
import { RequestBook, RssSampler } from './soak-figures';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 45);
const CLIENTS = Number(process.env.SOAK_CLIENTS ?? 48);
/** Real milliseconds per 30-second step of the app's clock: many fresh codes per user over the run. */
const STEP_EVERY_MS = 3_000;
const MAX_FAILURES = 5;
/** Cloud users with a factor: most verify with right codes, the last few only ever get wrong ones. */
const CLOUD_USERS = 40;
const ATTACKED = 8;
/** Data Center users behind the gate: verified ones, required ones without a factor, and others. */
const DC_VERIFIED = 12;
const DC_UNENROLLED = 4;
const DC_NOT_REQUIRED = 2;

const dcUser = (n: number, kind: string): FakeJiraUser => ({
  key: `JIRAUSER${20000 + n}`,
  name: `${kind}${n}`,
  displayName: `Soak ${kind} ${n}`,
  password: `${kind} pw ${n}`,
});

/**
 * A bounded soak: mixed traffic at high concurrency on two app instances sharing one Postgres database,
 * as two nodes behind a load balancer. Every request goes to one of the two at random: `GET /api/v1/me`,
 * `POST /api/v1/me/verify` with fresh, replayed (on the other instance), doubled (both at once) and wrong
 * codes, and `GET /gate/v1/check` for verified, unverified and unenrolled Data Center users. The app's clock
 * moves one 30-second step every few real seconds, so that each user has fresh codes throughout.
 *
 * It asserts what must hold under load: no 5xx and no connection error; every answer one the contract
 * allows for that request; no (user, step) accepted twice across the instances, and every acceptance the
 * database recorded seen by a client; at most `maxFailures` wrong codes looked at per user; memory stable.
 * It prints requests served per route and instance with p50/p99, never asserting on timings.
 * `SOAK_SECONDS` (default 45) and `SOAK_CLIENTS` (default 48) change its length and concurrency.
 */
/** A full garbage collection, also where the run has no `--expose-gc` (V8's flag can be set at run time). */
function fullGc(): void {
  let gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}

describe('Soak: mixed traffic on two instances sharing one Postgres', function () {
  this.timeout((SOAK_SECONDS + 300) * 1000);
  let instances: TwoAppInstances;
  let apps: { name: string; app: TestApp }[];
  let first: TestApp;
  let clock: FixedClock;
  let dc: FakeDataCenter;
  let gateKey: string;
  const cloud = staffUsers(CLOUD_USERS).map((user) => user.accountId);
  const normal = cloud.slice(0, CLOUD_USERS - ATTACKED);
  const attacked = cloud.slice(CLOUD_USERS - ATTACKED);
  const enrolled = new Map<string, Enrolled>();
  const verifiedDc = Array.from({ length: DC_VERIFIED }, (_, i) => dcUser(i, 'verified'));
  const unenrolledDc = Array.from({ length: DC_UNENROLLED }, (_, i) => dcUser(100 + i, 'unenrolled'));
  const notRequiredDc = Array.from({ length: DC_NOT_REQUIRED }, (_, i) => dcUser(200 + i, 'other'));
  /** Per verified Data Center user: their session cookie alone, and with the gate's cookie. */
  const dcCookies = new Map<string, { session: string; verified: string }>();

  before(async function () {
    const lane = postgresLaneOrSkip(this, 'the two-instance soak needs Postgres and is skipped');
    clock = steppedClock();
    dc = await FakeDataCenter.start({
      users: [SERVICE, ...verifiedDc, ...unenrolledDc, ...notRequiredDc],
      groups: {
        'jira-users': [SERVICE, ...verifiedDc, ...unenrolledDc, ...notRequiredDc].map((user) => user.name),
        'jira-developers': [...verifiedDc, ...unenrolledDc].map((user) => user.name),
      },
    });
    instances = await startTwoAppInstances(lane, { clock, env: { TWOFOLD_SANDBOX_STAFF: String(CLOUD_USERS) } });
    first = instances.first;
    apps = [
      { name: 'first', app: instances.first },
      { name: 'second', app: instances.second },
    ];
    await first.install();
    // A lockout window longer than the app time the soak covers: a user's wrong codes add up over the whole run.
    await connectAndEnforce(first, dc.baseUrl, { lockout: { maxFailures: MAX_FAILURES, windowMinutes: 1440 } });
    const gate = await admin(first, 'POST', '/api/v1/admin/gates', { name: 'Soak DC' });
    assert.equal(gate.status, 201, gate.text);
    gateKey = gate.json().key;

    for (let i = 0; i < cloud.length; i += 8) {
      const batch = cloud.slice(i, i + 8);
      const done = await Promise.all(batch.map((accountId) => enroll(first, clock, accountId)));
      batch.forEach((accountId, n) => enrolled.set(accountId, done[n]!));
    }
    const page = (path: string, cookie: string, body: unknown) =>
      first.request('POST', `/gate/v1${path}`, { headers: { 'X-Twofold-Gate-Key': gateKey, Cookie: cookie, Origin: dc.baseUrl }, body });
    await Promise.all(
      verifiedDc.map(async (user) => {
        const session = dc.login(user.name);
        const started = await page('/enroll', session, {});
        assert.equal(started.status, 201, started.text);
        const confirmed = await page('/enroll/confirm', session, { code: totpNow(started.json(), clock) });
        assert.equal(confirmed.status, 200, confirmed.text);
        dcCookies.set(user.name, { session, verified: `${session}; ${gateCookieOf(confirmed)}` });
      }),
    );
    // The steps that confirmed the enrollments are spent: the soak starts on a fresh one.
    clock.advance(30_000);
  });
  after(async () => {
    await instances?.stop();
    await dc?.close();
  });

  it(`serves ${CLIENTS} concurrent clients for ${SOAK_SECONDS} s without an error, a replay accepted or memory growing`, async () => {
    const { sequelize } = first.twofold.database;
    const count = async (sql: string, replacements: Record<string, unknown>) =>
      Number((await sequelize.query<{ n: string | number }>(sql, { type: QueryTypes.SELECT, replacements }))[0]!.n);
    const totpSuccesses = () =>
      count(`SELECT COUNT(*) AS n FROM audit_events WHERE action = 'verify.succeeded' AND detail LIKE '%"method":"totp"%' AND subject_account_id IN (:users)`, {
        users: cloud,
      });
    const successesBefore = await totpSuccesses();

    const book = new RequestBook();
    const failures: string[] = [];
    /** Answers by kind of request, e.g. `verify fresh` → `401 code_reused` → 12. */
    const answers = new Map<string, Map<string, number>>();
    /** Every TOTP acceptance a client saw: the user, the step its code was of, and the instance. */
    const accepted: { user: string; step: number; instance: string }[] = [];
    const lastAccepted = new Map<string, { step: number; code: string; instance: number }>();
    const plainFailures = new Map<string, number>(attacked.map((user) => [user, 0]));

    const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;
    const stepNow = () => timeStepAt(clock.now(), 30);
    const codeAt = (user: string, step: number) => totpAtStep(enrolled.get(user)!.secret, step, enrolled.get(user)!.params);
    /** A code that is its step's only one nearby (no 1-in-a-million collision blurs which step was accepted). */
    const unambiguous = (user: string, step: number) => {
      const code = codeAt(user, step);
      for (let offset = -4; offset <= 4; offset += 1) if (offset !== 0 && codeAt(user, step + offset) === code) return null;
      return code;
    };
    const wrongCode = (user: string) => {
      const near = new Set(Array.from({ length: 11 }, (_, i) => codeAt(user, stepNow() + i - 5)));
      for (;;) {
        const code = String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0');
        if (!near.has(code)) return code;
      }
    };
    const answerOf = (response: TestResponse) => {
      if (response.status < 300 || !response.text)
        return `${response.status}${response.headers.get('x-twofold-reason') ? ` ${response.headers.get('x-twofold-reason')}` : ''}`;
      try {
        return `${response.status} ${response.json().error.code}`;
      } catch {
        return `${response.status} (no error body)`;
      }
    };

    /** One request, timed; a connection error or a 5xx is a failure of the soak, any answer not in `allowed` too. */
    const send = async (
      kind: string,
      route: string,
      instance: number,
      path: string,
      method: string,
      options: Parameters<TestApp['request']>[2],
      allowed: string[],
    ) => {
      const { name, app } = apps[instance]!;
      const started = performance.now();
      let response: TestResponse;
      try {
        response = await app.request(method, path, options);
      } catch (error) {
        failures.push(`${kind} on ${name}: connection error ${(error as Error).message}`);
        return null;
      }
      book.record(route, name, performance.now() - started);
      const answer = answerOf(response);
      const tally = answers.get(kind) ?? new Map<string, number>();
      tally.set(answer, (tally.get(answer) ?? 0) + 1);
      answers.set(kind, tally);
      if (response.status >= 500 || !allowed.includes(answer)) failures.push(`${kind} on ${name}: ${answer} ${response.text.slice(0, 200)}`);
      if (response.status === 429 && !response.headers.get('retry-after')) failures.push(`${kind} on ${name}: 429 without Retry-After`);
      return response;
    };

    const FRESH = ['200', '401 code_reused', '401 invalid_code', '429 locked_out'];
    /** Verifications in flight per user; and, for each `429` to a user who never sent a wrong code, how many were. */
    const inFlight = new Map<string, number>();
    const crowdedRefusals: number[] = [];
    const verify = async (kind: string, user: string, code: string, step: number, instance: number, allowed: string[]) => {
      const token = first.contextToken(user);
      const crowd = (inFlight.get(user) ?? 0) + 1;
      inFlight.set(user, crowd);
      const response = await send(kind, 'POST /api/v1/me/verify', instance, '/api/v1/me/verify', 'POST', { token, body: { code } }, allowed).finally(() =>
        inFlight.set(user, inFlight.get(user)! - 1),
      );
      if (response?.status === 429 && !plainFailures.has(user)) crowdedRefusals.push(crowd);
      if (response?.status === 200) {
        if (typeof response.json().verifiedUntil !== 'string') failures.push(`${kind}: a 200 without verifiedUntil`);
        accepted.push({ user, step, instance: apps[instance]!.name });
        lastAccepted.set(user, { step, code, instance });
      }
      if (response?.status === 401 && response.json().error.code === 'invalid_code' && plainFailures.has(user)) {
        plainFailures.set(user, plainFailures.get(user)! + 1);
      }
    };
    const fresh = async () => {
      const user = pick(normal);
      const step = stepNow();
      const code = unambiguous(user, step);
      if (code !== null) await verify('verify fresh', user, code, step, Math.round(Math.random()), FRESH);
    };
    /** A code a client saw accepted, sent to the other instance while it is still inside the window. */
    const replay = async () => {
      const candidates = normal.filter((user) => lastAccepted.get(user)?.step === stepNow());
      if (candidates.length === 0) return fresh();
      const user = pick(candidates);
      const { step, code, instance } = lastAccepted.get(user)!;
      await verify('verify replay', user, code, step, 1 - instance, ['401 code_reused', '401 invalid_code', '429 locked_out']);
    };
    /** The same fresh code to both instances at once. */
    const doubled = async () => {
      const user = pick(normal);
      const step = stepNow();
      const code = unambiguous(user, step);
      if (code !== null) await Promise.all([0, 1].map((instance) => verify('verify doubled', user, code, step, instance, FRESH)));
    };
    const wrong = async () => {
      const user = pick(attacked);
      await verify('verify wrong', user, wrongCode(user), -1, Math.round(Math.random()), ['401 invalid_code', '429 locked_out']);
    };
    const me = async () => {
      const user = pick(cloud);
      const response = await send('me', 'GET /api/v1/me', Math.round(Math.random()), '/api/v1/me', 'GET', { token: first.contextToken(user) }, ['200']);
      if (response?.status === 200 && (response.json().accountId !== user || response.json().enrolled !== true)) failures.push(`me: ${response.text}`);
    };
    const check = (kind: string, cookie: string, allowed: string) =>
      send(
        kind,
        'GET /gate/v1/check',
        Math.round(Math.random()),
        '/gate/v1/check',
        'GET',
        {
          headers: {
            'X-Twofold-Gate-Key': gateKey,
            'X-Original-URI': '/browse/ABC-1',
            'X-Original-Method': 'GET',
            'X-Forwarded-For': '198.51.100.7',
            Cookie: cookie,
          },
        },
        [allowed],
      );
    const gateVerified = () => check('gate verified', dcCookies.get(pick(verifiedDc).name)!.verified, '204 verified');
    const gateUnverified = () => check('gate unverified', dcCookies.get(pick(verifiedDc).name)!.session, '401 verification_required');
    const gateUnenrolled = () => check('gate unenrolled', dc.login(pick(unenrolledDc).name), '401 enrollment_required');
    const gateNotRequired = () => check('gate not required', dc.login(pick(notRequiredDc).name), '204 not_required');

    /** The mix, by weight. */
    const mix: [number, () => Promise<unknown>][] = [
      [20, me],
      [20, fresh],
      [10, replay],
      [5, doubled],
      [8, wrong],
      [20, gateVerified],
      [9, gateUnverified],
      [5, gateUnenrolled],
      [3, gateNotRequired],
    ];
    const totalWeight = mix.reduce((sum, [weight]) => sum + weight, 0);
    const nextRequest = () => {
      let roll = Math.random() * totalWeight;
      for (const [weight, run] of mix) if ((roll -= weight) < 0) return run;
      return mix[0]![1];
    };

    /**
     * The live heap after a full collection: what a leak grows. RSS of this process (which also ran every
     * test before this one) moves with the collector's slack, so it is printed, not judged.
     */
    const liveHeap = () => {
      fullGc();
      return process.memoryUsage().heapUsed;
    };
    const heapBefore = liveHeap();
    const rss = new RssSampler();
    rss.start(250);
    const ticker = setInterval(() => clock.advance(30_000), STEP_EVERY_MS);
    const startedAt = performance.now();
    const endAt = startedAt + SOAK_SECONDS * 1000;
    try {
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (performance.now() < endAt) await nextRequest()();
        }),
      );
    } finally {
      clearInterval(ticker);
      rss.stop();
    }
    const seconds = (performance.now() - startedAt) / 1000;

    // What the soak served, printed (timings are never asserted on).
    const out = (line: string) => process.stdout.write(`      ${line}\n`);
    out(`${book.total} requests in ${seconds.toFixed(1)} s (${(book.total / seconds).toFixed(0)}/s) from ${CLIENTS} clients`);
    for (const line of book.lines()) out(line);
    for (const [kind, tally] of [...answers.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      out(`${kind.padEnd(18)} ${[...tally.entries()].map(([answer, n]) => `${answer}: ${n}`).join(', ')}`);
    }
    const heapAfter = liveHeap();
    const memory = rss.quarters(0.2);
    const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
    out(`live heap after a full GC: ${mb(heapBefore)} before the run, ${mb(heapAfter)} after`);
    out(
      `rss: first quarter median ${mb(memory.first)}, last quarter median ${mb(memory.last)} (${memory.count} samples after warm-up), peak ${mb(Math.max(...rss.samples))}`,
    );

    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} failures`);
    for (const { name } of apps) assert.ok(book.servedBy(name) > 0, `${name} served requests`);

    // No code accepted twice, on one instance or across both; and the database accepted nothing unseen.
    const seen = new Set<string>();
    for (const { user, step } of accepted) {
      assert.ok(!seen.has(`${user}@${step}`), `the code of step ${step} was accepted twice for ${user}`);
      seen.add(`${user}@${step}`);
    }
    assert.ok(accepted.length > 0 && (answers.get('verify replay')?.get('401 code_reused') ?? 0) > 0, 'the soak accepted codes and tried replays');
    assert.equal((await totpSuccesses()) - successesBefore, accepted.length, 'every acceptance recorded was answered 200 to a client');
    const lastSteps = await sequelize.query<{ account_id: string; last_used_step: number }>(
      "SELECT account_id, last_used_step FROM totp_credentials WHERE status = 'active' AND account_id IN (:users)",
      { type: QueryTypes.SELECT, replacements: { users: normal } },
    );
    const newest = new Map<string, number>();
    for (const { user, step } of accepted) newest.set(user, Math.max(step, newest.get(user) ?? step));
    for (const row of lastSteps) {
      if (newest.has(row.account_id)) assert.equal(Number(row.last_used_step), newest.get(row.account_id), `${row.account_id}'s last accepted step`);
    }

    // The lockout budget: at most maxFailures wrong codes looked at per user, over the whole run; and the
    // lockout holds on both instances, against the right code too.
    const lookedAt: number[] = [];
    for (const [n, user] of attacked.entries()) {
      const evaluated = await count(
        `SELECT COUNT(*) AS n FROM audit_events WHERE action = 'verify.failed' AND subject_account_id = :user AND detail LIKE '%"reason":"invalid_code"%'`,
        { user },
      );
      assert.ok(evaluated <= MAX_FAILURES, `${user}: ${evaluated} wrong codes looked at`);
      assert.ok(plainFailures.get(user)! <= MAX_FAILURES - 1, `${user}: ${plainFailures.get(user)} answers of invalid_code`);
      lookedAt.push(evaluated);
      const right = await apps[n % 2]!.app.request('POST', '/api/v1/me/verify', { token: first.contextToken(user), body: { code: codeAt(user, stepNow()) } });
      assert.equal(answerOf(right), '429 locked_out', `${user}: the right code while locked out`);
    }
    out(
      `429 to users who never sent a wrong code: ${crowdedRefusals.length} (their verifications in flight when sent: ${crowdedRefusals.join(', ') || 'none'})`,
    );
    out(`wrong codes looked at per attacked user (at most ${MAX_FAILURES}): ${lookedAt.join(', ')}`);

    // Some growth is the run's own bounded state (caches of sessions, gate decisions); a leak of per-request
    // objects at this volume (tens of thousands of requests) would grow far beyond it.
    assert.ok(heapAfter <= heapBefore * 1.5 + 32 * 1024 * 1024, `the live heap grew from ${mb(heapBefore)} to ${mb(heapAfter)}`);
  });
});
