import { ESLint } from 'eslint';
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The layer rules live in eslint.config.js (eslint-plugin-boundaries) and run with `npm run lint`.
 * These tests prove they bite: a probe file is written where a violation would be, linted with the
 * project's own configuration, and removed.
 */
const root = join(import.meta.dirname, '..', '..');
const probes: string[] = [];

async function lintProbe(folder: string, source: string) {
  const file = join(root, folder, `layer-probe-${randomBytes(4).toString('hex')}.ts`);
  probes.push(file);
  await writeFile(file, source);
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([file]);
    return result!.messages.filter((m) => m.ruleId === 'boundaries/dependencies');
  } finally {
    await rm(file, { force: true });
  }
}

afterAll(async () => {
  await Promise.all(probes.map((file) => rm(file, { force: true })));
});

describe('layer rules', { timeout: 120_000 }, () => {
  it('fail lint when src/http imports a module', async () => {
    const errors = await lintProbe('src/http', "import { users } from '../modules/users/users.table.js';\nexport const probe = users;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ severity: 2, line: 1 });
    expect(errors[0]!.message).toContain('shell (src/http) must not import module (src/modules/users)');
  });

  it('fail lint when src/access imports a module, but let it query through the schema index', async () => {
    const errors = await lintProbe(
      'src/access',
      "import { committees } from '../db/schema.js';\nimport { leaveCommittees } from '../modules/committees/committees.service.js';\nexport const probe = [committees, leaveCommittees];\n",
    );
    expect(errors.map((e) => e.line)).toEqual([2]);
  });

  it('fail lint when a module imports one that depends on it (no cycles)', async () => {
    const errors = await lintProbe('src/modules/users', "import { revokeAllForUser } from '../auth/tokens.js';\nexport const probe = revokeAllForUser;\n");
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain('module (src/modules/users) must not import module (src/modules/auth)');
  });
});
