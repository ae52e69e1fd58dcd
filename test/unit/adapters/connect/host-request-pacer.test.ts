import assert from 'node:assert/strict';
import { HostRequestPacer, type PacerTime } from '../../../../src/adapters/connect/host-request-pacer';
import { RateLimitedSite } from '../../../support/rate-limited-site';

/** Simulated time: `sleep` moves the clock on at once. */
class SimulatedTime implements PacerTime {
  at = 0;
  now(): number {
    return this.at;
  }
  async sleep(ms: number): Promise<void> {
    this.at += ms;
  }
}

/** Sends `count` requests one after another through the pacer (latency 0), retrying refusals; answers the elapsed simulated seconds. */
async function sendAll(pacer: HostRequestPacer, time: SimulatedTime, site: RateLimitedSite, count: number): Promise<number> {
  const started = time.now();
  while (site.served < count) {
    const turn = await pacer.turn();
    assert.ok(turn.send);
    if (site.take(time.now())) pacer.answered();
    else pacer.refused(turn.at, 1000);
  }
  return (time.now() - started) / 1000;
}

describe('HostRequestPacer: the pace of requests to one site, learned from its 429s', () => {
  for (const rate of [10, 200, 1000]) {
    it(`against a site allowing ${rate} requests a second, spends its limit on work: within 1.2 of the floor, few refusals`, async () => {
      const time = new SimulatedTime();
      const pacer = new HostRequestPacer(time);
      const site = new RateLimitedSite(rate);
      const count = rate * 120;
      const seconds = await sendAll(pacer, time, site, count);
      const floor = count / rate;
      assert.ok(seconds / floor <= 1.2, `${seconds.toFixed(1)} s for a floor of ${floor} s`);
      assert.ok(site.refused < count / 100, `${site.refused} refusals for ${count} requests`);
    });
  }

  it('honours Retry-After for every request to the site, not just the refused one', async () => {
    const time = new SimulatedTime();
    const pacer = new HostRequestPacer(time);
    const first = await pacer.turn();
    assert.ok(first.send);
    pacer.refused(first.at, 3_000);
    const next = await pacer.turn();
    assert.ok(next.send);
    assert.ok(next.at >= first.at + 3_000, 'the next request waits for the pause');
  });

  it('does not hold a request longer than 10 s: a longer pause is answered as refused, with the time left', async () => {
    const time = new SimulatedTime();
    const pacer = new HostRequestPacer(time);
    pacer.refused(0, 60_000);
    const turn = await pacer.turn();
    assert.deepEqual(turn, { send: false, retryAfterMs: 60_000 });
  });

  it('lowers the pace once for the refusals of one overshoot, however many requests were in flight', async () => {
    const time = new SimulatedTime();
    const pacer = new HostRequestPacer(time);
    const inFlight = [];
    for (let i = 0; i < 8; i += 1) inFlight.push(await pacer.turn());
    for (let i = 0; i < 4; i += 1) pacer.answered();
    const before = pacer.requestsPerSecond;
    for (const turn of inFlight.slice(4)) pacer.refused((turn as { at: number }).at, 1000);
    assert.ok(pacer.requestsPerSecond >= 5 && pacer.requestsPerSecond < before);
    const once = pacer.requestsPerSecond;
    pacer.refused(0, 1000);
    assert.equal(pacer.requestsPerSecond, once, 'a refusal of a request sent before the decrease changes nothing');
  });
});
