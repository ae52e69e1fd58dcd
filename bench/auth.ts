import { SANDBOX_USERS } from '../src/sandbox/fixtures';
import { measure, printTable } from './support/load';
import { startBenchServer } from './support/child';

/**
 * What authenticating an API call costs: a bare Express route, the same route behind ACE's
 * checkValidToken() (which reads the tenant from the database on every request), and behind
 * Twofold's verifier (tenants from memory). Target: ours at 0.5 of the bare route or better.
 *   npm run bench:auth   (BENCH_CONNECTIONS, BENCH_SECONDS, BENCH_ROUNDS to vary)
 */
async function main(): Promise<void> {
  const server = await startBenchServer<{ compareUrl: string }>();
  try {
    const { token } = await server.ask<{ token: string }>({ accountId: SANDBOX_USERS[1]!.accountId });
    const headers = { Authorization: `JWT ${token}` };
    const options = {
      connections: Number(process.env.BENCH_CONNECTIONS ?? 64),
      durationSeconds: Number(process.env.BENCH_SECONDS ?? 5),
      rounds: Number(process.env.BENCH_ROUNDS ?? 3),
    };
    const results = await measure(
      [
        { name: 'bare Express route', url: `${server.ready.compareUrl}/bare` },
        { name: 'ACE checkValidToken()', url: `${server.ready.compareUrl}/ace`, headers },
        { name: 'Twofold authenticateApi()', url: `${server.ready.compareUrl}/ours`, headers },
      ],
      options,
    );
    printTable(
      `JWT authentication, ${options.connections} connections, median of ${options.rounds} × ${options.durationSeconds} s`,
      results,
      'bare Express route',
    );
    const ours = results[2]!.requestsPerSecond / results[0]!.requestsPerSecond;
    process.stdout.write(
      `ratio ours/bare = ${ours.toFixed(2)} (aim ≥ 0.50); ACE/bare = ${(results[1]!.requestsPerSecond / results[0]!.requestsPerSecond).toFixed(2)}\n`,
    );
  } finally {
    server.child.kill('SIGTERM');
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
