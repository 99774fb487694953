#!/bin/sh
# Build the four workspace packages and pack them into OUT_DIR: the first stage of the repo's Dockerfile, and what
# test/docker/dockerfile.test.ts runs. `pnpm pack` (not npm pack) rewrites the `workspace:` ranges into versions and
# applies each package's publishConfig (exports and bin from dist/), as README "Install" describes.
# Run from the repo root after `pnpm install --frozen-lockfile`.
set -eu
out="${1:?usage: docker/pack.sh OUT_DIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
PNPM="${PNPM:-npx -y pnpm@10.34.9}"
$PNPM run build
for p in core sim scenarios cli; do
  (cd "packages/$p" && $PNPM pack --pack-destination "$out")
done
