import autocannon from 'autocannon';

export interface Target {
  name: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Fresh headers/body per request (e.g. a new code each time); used instead of the fixed ones. */
  setupRequest?: autocannon.Request['setupRequest'];
}

export interface Measurement {
  name: string;
  requestsPerSecond: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  /** Server CPU time (all its threads) per request, when the caller gave a probe. */
  cpuUsPerRequest?: number;
}

export interface LoadOptions {
  connections: number;
  durationSeconds: number;
  rounds: number;
}

/**
 * Measures targets under the same concurrent load, interleaved round by round (A B C, A B C, …) so
 * that machine noise hits each alike; reports the median round of each. Absolute numbers are not
 * stable on shared machines; the ratios between targets measured in one run are what to read.
 */
export async function measure(targets: Target[], options: LoadOptions, cpuProbe?: () => number): Promise<Measurement[]> {
  const rounds = new Map<string, Measurement[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (const target of targets) {
      const cpuBefore = cpuProbe?.();
      const result = await autocannon({
        url: target.url,
        method: target.method ?? 'GET',
        headers: target.headers,
        body: target.body,
        connections: options.connections,
        duration: options.durationSeconds,
        ...(target.setupRequest ? { requests: [{ setupRequest: target.setupRequest }] } : {}),
      });
      rounds.get(target.name)!.push({
        name: target.name,
        requestsPerSecond: result.requests.average,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        ...(cpuBefore === undefined ? {} : { cpuUsPerRequest: ((cpuProbe!() - cpuBefore) * 1000) / Math.max(1, result.requests.total) }),
      });
    }
  }
  return targets.map((target) => median(rounds.get(target.name)!));
}

/**
 * BENCH_ONLY=<text>[|<text>…]: only the targets whose name contains one of the texts (for profiling one
 * path, or e.g. `bare|accepted code` for the headline ratio in a third of the time).
 */
export function onlyTargets(targets: Target[], only = process.env.BENCH_ONLY): Target[] {
  return only ? targets.filter((target) => only.split('|').some((text) => target.name.includes(text))) : targets;
}

function median(values: Measurement[]): Measurement {
  const sorted = [...values].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function printTable(title: string, results: Measurement[], baseline: string): void {
  const base = results.find((r) => r.name === baseline)!;
  const lines = [
    title,
    `${'route'.padEnd(36)} ${'req/s'.padStart(9)} ${'p99 ms'.padStart(8)} ${'vs ' + baseline} ${base.cpuUsPerRequest === undefined ? '' : ' server CPU µs/req (vs)'}`.trimEnd(),
    ...results.map(
      (r) =>
        `${r.name.padEnd(36)} ${r.requestsPerSecond.toFixed(0).padStart(9)} ${r.p99Ms.toFixed(1).padStart(8)} ${(r.requestsPerSecond / base.requestsPerSecond).toFixed(2).padStart(6)}${r.cpuUsPerRequest === undefined || base.cpuUsPerRequest === undefined ? '' : `${r.cpuUsPerRequest.toFixed(0).padStart(18)} (${(base.cpuUsPerRequest / r.cpuUsPerRequest).toFixed(2)})`}${r.non2xx + r.errors > 0 ? `   (${r.non2xx} non-2xx, ${r.errors} errors)` : ''}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}
