// The published packages as a user gets them: build, `pnpm pack` all four (pnpm rewrites `workspace:` ranges and
// applies publishConfig), install the tarballs with plain npm into an empty project outside the repo, then
//   1. run consumer.mjs with plain node (no tsx): a simulator cluster and 20 requests against it, and
//      assets-check.mjs: the files the packages read at run time (worker entry, report page, ShareGPT sample),
//   2. tsc --noEmit consumer.ts (nodenext, strict, no skipLibCheck) against the shipped .d.ts,
//   3. npx routebench --version from the installed CLI tarball (`npx --no --`: never fetched from the registry).
// The consumer's sources are real files in project/ (the README quotes consumer.mjs). Everything, npm's cache
// included, lives in one temp folder that is removed afterwards.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PROJECT_SRC = fileURLToPath(new URL('./project/', import.meta.url));
const PACKAGES = ['core', 'sim', 'scenarios', 'cli'] as const;
const PNPM = ['-y', 'pnpm@10.34.9'];

const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
const cliVersion = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;

// Children get a clean environment: no npm_*/pnpm settings inherited from an enclosing `npm run` / `pnpm run`.
const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_)/i.test(k)));

let tmp = '';
let project = '';
let tarballs: Record<(typeof PACKAGES)[number], string>;

async function sh(cmd: string, args: string[], cwd: string, timeoutMs: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { cwd, timeout: timeoutMs, env: { ...env, ...extraEnv }, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (e) {
    const err = e as Error & { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed: ${err.message}\n--- stdout\n${err.stdout ?? ''}\n--- stderr\n${err.stderr ?? ''}`);
  }
}

const timed = async <T>(label: string, f: () => Promise<T>): Promise<T> => {
  const t0 = performance.now();
  const r = await f();
  console.log(`consumer: ${label} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return r;
};

const tarList = async (tgz: string) => (await sh('tar', ['tzf', tgz], ROOT, 30_000)).split('\n').filter(Boolean);
const packedManifest = async (tgz: string) => JSON.parse(await sh('tar', ['xzOf', tgz, 'package/package.json'], ROOT, 30_000)) as Record<string, any>;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'routebench-consumer-'));
  const packDir = join(tmp, 'tarballs');
  project = join(tmp, 'project');

  await timed('build', () => sh('npx', [...PNPM, 'run', 'build'], ROOT, 240_000));

  await timed('pack', () => Promise.all(PACKAGES.map((p) => sh('npx', [...PNPM, 'pack', '--pack-destination', packDir], join(ROOT, 'packages', p), 120_000))));
  const files = readdirSync(packDir);
  tarballs = Object.fromEntries(
    PACKAGES.map((p) => {
      const f = files.find((n) => n.startsWith(`routebench-${p}-`) && n.endsWith('.tgz'));
      if (!f) throw new Error(`no tarball for @routebench/${p} in ${files.join(', ')}`);
      const path = join(packDir, f);
      console.log(`consumer: ${f} ${(statSync(path).size / 1024).toFixed(1)} KiB`);
      return [p, path];
    }),
  ) as typeof tarballs;

  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), `${JSON.stringify({ name: 'routebench-consumer', private: true, type: 'module' }, null, 2)}\n`);
  for (const f of ['consumer.mjs', 'consumer.ts', 'tsconfig.json', 'assets-check.mjs']) copyFileSync(join(PROJECT_SRC, f), join(project, f));

  await timed('npm install', () =>
    sh(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--loglevel=error',
        ...PACKAGES.map((p) => tarballs[p]),
        `typescript@${rootPkg.devDependencies.typescript}`,
        `@types/node@${rootPkg.devDependencies['@types/node']}`,
      ],
      project,
      240_000,
      { npm_config_cache: join(tmp, 'npm-cache') },
    ),
  );
}, 420_000);

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('published packages', () => {
  it('pack into tarballs of dist only, with publishConfig applied and no workspace ranges or tsx dependency', async () => {
    for (const p of PACKAGES) {
      const entries = await tarList(tarballs[p]);
      const bad = entries.filter((e) => !/^package\/(package\.json|README\.md|LICENSE|dist\/.*)$/.test(e) || /\.test\.|\/test\/|\/src\//.test(e) || (/\.ts$/.test(e) && !/\.d\.ts$/.test(e)));
      expect(bad, `@routebench/${p}`).toEqual([]);
      const m = await packedManifest(tarballs[p]);
      // Every file the manifest points at is in the tarball.
      const targets = [m.main, m.types, ...Object.values(m.bin ?? {}), ...Object.values(m.exports ?? {}).flatMap((e) => Object.values(e as object))];
      for (const t of targets as string[]) expect(entries, `@routebench/${p}: ${t}`).toContain(`package/${t.replace(/^\.\//, '')}`);
      expect(m.exports).toEqual({ '.': { types: './dist/index.d.ts', default: './dist/index.js' } });
      expect(m.private).toBeUndefined();
      expect(m.dependencies?.tsx).toBeUndefined();
      expect(JSON.stringify(m)).not.toContain('workspace:');
      if (p === 'cli') expect(m.bin).toEqual({ routebench: './dist/bin.js' });
    }
    const core = await tarList(tarballs.core);
    expect(core).toContain('package/dist/output/html-report-page.js');
    expect(core).toContain('package/dist/load/worker-main.js');
    expect(await tarList(tarballs.scenarios)).toContain('package/dist/data/sharegpt-sample.json');
  });

  it('run with plain node: a simulator cluster and 20 requests against it', async () => {
    const out = await timed('node consumer.mjs', () => sh('node', ['consumer.mjs'], project, 60_000));
    expect(out).toMatch(/20\/20 ok/);
  }, 90_000);

  it('read their run-time files from the tarballs: worker entry, report page script, ShareGPT sample', async () => {
    const out = await timed('node assets-check.mjs', () => sh('node', ['assets-check.mjs'], project, 60_000));
    expect(out).toMatch(/assets ok/);
  }, 90_000);

  it('type-check a nodenext TypeScript consumer without skipLibCheck', async () => {
    await timed('tsc --noEmit', () => sh('node', [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], project, 120_000));
  }, 150_000);

  it('npx routebench --version prints the cli version', async () => {
    const out = await sh('npx', ['--no', '--', 'routebench', '--version'], project, 60_000, { npm_config_cache: join(tmp, 'npm-cache') });
    expect(out.trim()).toBe(cliVersion);
  }, 90_000);
});
