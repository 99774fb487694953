#!/bin/sh
# Install the packed tarballs (docker/pack.sh) into PREFIX as a plain npm project, the way a user installs them
# (README "Install"): the Dockerfile's second stage, and what test/docker/dockerfile.test.ts runs. The routebench
# command is then PREFIX/node_modules/.bin/routebench. All four tarballs go in one `npm install`, so the CLI's
# @routebench/* dependencies resolve to them rather than to the registry.
set -eu
packs="${1:?usage: docker/install.sh PACK_DIR PREFIX}"
prefix="${2:?usage: docker/install.sh PACK_DIR PREFIX}"
mkdir -p "$prefix"
[ -f "$prefix/package.json" ] || printf '{ "name": "routebench-image", "private": true, "type": "module" }\n' > "$prefix/package.json"
npm install --prefix "$prefix" --omit=dev --no-audit --no-fund "$packs"/routebench-*.tgz
