// The repo's Dockerfile, checked without Docker (there is none where this was written, so the image has not been
// built here). Running its two stages' scripts for real — docker/pack.sh (build + `pnpm pack` of the four
// packages) then docker/install.sh (npm install of the tarballs) and `routebench --version` — took 3 min 37 s on
// this 2-core machine under load (build+pack 3 min 3 s, install 34 s), far over a test's budget, and
// test/consumer/consumer.test.ts already runs those same build / pack / install-the-tarballs steps on every CI
// run. So this test checks, in well under a second, that the Dockerfile is what the README says and runs exactly
// those scripts: official node:20 bases, the pack stage's script over every workspace package with the pinned pnpm,
// the install stage's script, the routebench entrypoint at the path npm puts the bin, the image name `k8s job`
// defaults to, and a .dockerignore that keeps the build context free of installed/built output but not of
// anything stage 1 needs. The scripts are syntax-checked by sh itself.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultImage } from '../../packages/cli/src/commands/k8s.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');

/** Dockerfile instructions: comments dropped, `\` continuations joined (the Dockerfile reference's line rules). */
function instructions(text: string): Array<{ op: string; args: string }> {
  const joined = text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^(\S+)\s+(.*)$/.exec(l)!;
      return { op: m[1]!.toUpperCase(), args: m[2]!.replace(/\s+/g, ' ') };
    });
}

/**
 * Whether a .dockerignore pattern excludes a path, for the pattern forms used here (Docker's rules: Go
 * filepath.Match plus `**` for any number of directories; a match on a directory excludes what is under it;
 * https://docs.docker.com/build/concepts/context/#dockerignore-files).
 */
function ignored(patterns: readonly string[], path: string): boolean {
  const toRe = (p: string) =>
    new RegExp(
      `^${p
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '\u0001')
        .replace(/\*\*/g, '\u0002')
        .replace(/\*/g, '[^/]*')
        .replace(/\?/g, '[^/]')
        .replace(/\u0001/g, '(?:.*/)?')
        .replace(/\u0002/g, '.*')}(?:/.*)?$`,
    );
  let out = false;
  for (const raw of patterns) {
    const neg = raw.startsWith('!');
    const p = (neg ? raw.slice(1) : raw).replace(/^\/+/, '');
    if (toRe(p).test(path)) out = !neg;
  }
  return out;
}

describe('Dockerfile', () => {
  const ins = instructions(read('Dockerfile'));
  const froms = ins.filter((i) => i.op === 'FROM').map((i) => i.args);
  const lastFrom = ins.map((i) => i.op).lastIndexOf('FROM');
  const finalStage = ins.slice(lastFrom);

  it('builds from official node:20 images: a pack stage, then an image with only the installed tarballs', () => {
    expect(froms).toEqual(['node:20-bookworm-slim AS pack', 'node:20-bookworm-slim']);
    // Official images are the library/ namespace on Docker Hub: no registry or user prefix.
    for (const f of froms) expect(f.split(' ')[0]).toMatch(/^node:20-[a-z0-9.-]+$/);
    const packStage = ins.slice(0, lastFrom);
    expect(packStage).toContainEqual({ op: 'COPY', args: '. .' });
    expect(packStage).toContainEqual({ op: 'RUN', args: 'npx -y pnpm@10.34.9 install --frozen-lockfile --reporter=append-only && sh docker/pack.sh /packs' });
    expect(finalStage).toContainEqual({ op: 'COPY', args: '--from=pack /packs /tmp/packs' });
    expect(finalStage).toContainEqual({ op: 'COPY', args: 'docker/install.sh /tmp/install.sh' });
    const run = finalStage.find((i) => i.op === 'RUN')!.args;
    expect(run).toMatch(/^sh \/tmp\/install\.sh \/tmp\/packs \/opt\/routebench && ln -s \/opt\/routebench\/node_modules\/\.bin\/routebench \/usr\/local\/bin\/routebench /);
    expect(finalStage).toContainEqual({ op: 'ENTRYPOINT', args: '["routebench"]' });
    // The Job's fsGroup (k8s.ts) is this user's group.
    expect(finalStage).toContainEqual({ op: 'USER', args: 'node' });
  });

  it('runs the pinned pnpm over every workspace package, and the install script over their tarballs', () => {
    const pnpm = (JSON.parse(read('package.json')) as { packageManager: string }).packageManager;
    const pack = read('docker/pack.sh');
    expect(pack).toContain(`npx -y ${pnpm}`);
    // Dependency order (core first), and no workspace package left out.
    const loop = /for p in ([a-z ]+); do/.exec(pack)![1]!.split(' ');
    expect(loop).toEqual(['core', 'sim', 'scenarios', 'cli']);
    expect([...loop].sort()).toEqual(readdirSync(join(ROOT, 'packages')).sort());
    expect(pack).toMatch(/\$PNPM run build\n/);
    expect(pack).toContain('$PNPM pack --pack-destination "$out"');
    const install = read('docker/install.sh');
    expect(install).toContain('npm install --prefix "$prefix" --omit=dev --no-audit --no-fund "$packs"/routebench-*.tgz');
    // The bin npm links is the CLI's published one.
    const cli = JSON.parse(read('packages/cli/package.json')) as { name: string; publishConfig: { bin: Record<string, string> } };
    expect(Object.keys(cli.publishConfig.bin)).toEqual(['routebench']);
    for (const s of ['docker/pack.sh', 'docker/install.sh']) execFileSync('sh', ['-n', join(ROOT, s)]);
  });

  it("is the image `k8s job` defaults to, with the README's build command", () => {
    const tag = defaultImage();
    expect(read('Dockerfile')).toContain(`docker build -t ${tag} .`);
    expect(read('README.md')).toContain(`docker build -t ${tag} .`);
  });

  it('.dockerignore keeps installed and built output, results and .git out, and everything stage 1 needs in', () => {
    const patterns = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    for (const p of ['node_modules/.pnpm/x', 'packages/cli/node_modules/commander', 'packages/core/dist/index.js', '.git/HEAD', 'results/run/summary.json'])
      expect(ignored(patterns, p), p).toBe(true);
    const needed = ['package.json', 'pnpm-lock.yaml', 'pnpm-workspace.yaml', 'tsconfig.base.json', 'docker/pack.sh', 'docker/install.sh', 'datasets/sharegpt-sample.json'];
    for (const p of readdirSync(join(ROOT, 'packages'))) needed.push(`packages/${p}/package.json`, `packages/${p}/tsconfig.build.json`, `packages/${p}/src/index.ts`);
    for (const p of needed) expect(ignored(patterns, p), p).toBe(false);
  });
});
