import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** What a command-line tool reads and writes: the process's own streams, or a test's. */
export interface CliIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** The environment to configure from; the process's own (read by src/config.ts) when absent. */
  env?: NodeJS.ProcessEnv;
}

export const processIo: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };

/** True when the module at `moduleUrl` is the one node was asked to run (`node x.cli.js`, `tsx x.cli.ts`), not an import. */
export function isEntryModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return pathToFileURL(realpathSync(entry)).href === moduleUrl;
  } catch {
    return false;
  }
}
