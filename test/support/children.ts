import type { ChildProcess } from 'node:child_process';

/**
 * Child processes still running when this test worker exits are killed with it: a failing test
 * whose afterAll never ran (or a hook that timed out) must not leave a server holding a port and
 * the run's stdout open. Vitest stops its fork workers with SIGTERM, which skips 'exit' listeners,
 * so SIGTERM is handled too (kill the children, then exit as the signal would have).
 */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
export function killOnExit(child: ChildProcess): () => void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    const killAll = () => { for (const c of live) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL'); };
    process.once('exit', killAll);
    process.once('SIGTERM', () => { killAll(); process.exit(143); });
  }
  live.add(child);
  child.once('exit', () => live.delete(child));
  return () => { live.delete(child); };
}
