import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that start processes (servers, crash writers, CLI runs, ogrinfo) take the longest and load
 * the machine beyond their worker; they run first, so the other files fill the two workers around
 * them and the run does not end with one worker alone on a minute-long file. Vitest's own order
 * (longest first from its results cache, else larger files first) still orders each group; on a
 * fresh machine (CI) it has no cache, and file size says little about these files.
 */
const startsProcesses = /\b(startServerProcess|crashRounds|spawnSync|spawn|execFileSync|execFile)\(/;

export class ProcessesFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const spawns = new Map(sorted.map((f) => [f, startsProcesses.test(readFileSync(f.moduleId, 'utf8'))]));
    const projectRank = new Map<string, number>();
    for (const f of sorted) if (!projectRank.has(f.project.name)) projectRank.set(f.project.name, projectRank.size);
    const position = new Map(sorted.map((f, i) => [f, i]));
    return [...sorted].sort((a, b) =>
      projectRank.get(a.project.name)! - projectRank.get(b.project.name)!
      || Number(spawns.get(b)) - Number(spawns.get(a))
      || position.get(a)! - position.get(b)!);
  }
}
