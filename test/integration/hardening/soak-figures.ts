/**
 * The soak's bookkeeping: requests served per route and instance with their latencies (printed, never
 * asserted on: the machine is shared), and the process's memory sampled over the run.
 */

/** The value at `fraction` (0..1) of `values`, nearest rank; NaN for none. */
export function percentile(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

export const median = (values: readonly number[]): number => percentile(values, 0.5);

/** Latencies in milliseconds, per route and per instance. */
export class RequestBook {
  readonly #latencies = new Map<string, number[]>();

  record(route: string, instance: string, milliseconds: number): void {
    const key = `${route}\u0000${instance}`;
    let list = this.#latencies.get(key);
    if (list === undefined) this.#latencies.set(key, (list = []));
    list.push(milliseconds);
  }

  get total(): number {
    return [...this.#latencies.values()].reduce((sum, list) => sum + list.length, 0);
  }

  /** Served per instance, summed over routes. */
  servedBy(instance: string): number {
    return [...this.#latencies.entries()].filter(([key]) => key.endsWith(`\u0000${instance}`)).reduce((sum, [, list]) => sum + list.length, 0);
  }

  /** One line per route and instance: requests served, p50 and p99. */
  lines(): string[] {
    return [...this.#latencies.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, list]) => {
        const [route, instance] = key.split('\u0000');
        const p50 = percentile(list, 0.5).toFixed(1);
        const p99 = percentile(list, 0.99).toFixed(1);
        return `${route!.padEnd(26)} ${instance!.padEnd(7)} ${String(list.length).padStart(7)} served   p50 ${p50.padStart(7)} ms   p99 ${p99.padStart(7)} ms`;
      });
  }
}

/** Samples this process's resident set size (both app instances and the clients live in it). */
export class RssSampler {
  readonly samples: number[] = [];
  #timer: NodeJS.Timeout | undefined;

  start(everyMs: number): void {
    this.samples.push(process.memoryUsage.rss());
    this.#timer = setInterval(() => this.samples.push(process.memoryUsage.rss()), everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** The medians of the first and the last quarter of the samples after the first `warmUp` fraction. */
  quarters(warmUp: number): { first: number; last: number; count: number } {
    const steady = this.samples.slice(Math.floor(this.samples.length * warmUp));
    const quarter = Math.max(1, Math.floor(steady.length / 4));
    return { first: median(steady.slice(0, quarter)), last: median(steady.slice(-quarter)), count: steady.length };
  }
}
