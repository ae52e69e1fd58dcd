import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** Starts bench/support/bench-server.ts in a child process and waits for its first IPC message. */
export async function startBenchServer<T>(): Promise<{ child: ChildProcess; ready: T; ask<A>(message: object): Promise<A> }> {
  const child = fork(join(__dirname, 'bench-server.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await nextMessage<T>(child);
  return {
    child,
    ready,
    ask: (message) => {
      child.send(message);
      return nextMessage(child);
    },
  };
}

function nextMessage<T>(child: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (message) => resolve(message as T));
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
}
