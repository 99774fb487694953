# routebench in a container, for `routebench k8s job` (its default --image is this image's name at the CLI's version).
#   docker build -t ghcr.io/routebench/routebench:0.1.0 .   (README "Scaling out": build, push, run the Job)
# Stage 1 builds the four workspace packages and packs them (docker/pack.sh); stage 2 installs only the tarballs
# with plain npm (docker/install.sh), as a user would — no sources, no dev dependencies, no pnpm in the image.
# Both scripts are what test/docker/dockerfile.test.ts runs (Docker itself is not needed to test them).

FROM node:20-bookworm-slim AS pack
WORKDIR /src
COPY . .
RUN npx -y pnpm@10.34.9 install --frozen-lockfile --reporter=append-only \
 && sh docker/pack.sh /packs

FROM node:20-bookworm-slim
COPY --from=pack /packs /tmp/packs
COPY docker/install.sh /tmp/install.sh
RUN sh /tmp/install.sh /tmp/packs /opt/routebench \
 && ln -s /opt/routebench/node_modules/.bin/routebench /usr/local/bin/routebench \
 && rm -rf /tmp/packs /tmp/install.sh \
 && npm cache clean --force
# The image's own non-root user (uid 1000); the Job sets fsGroup 1000 so it can write the results volume.
USER node
WORKDIR /home/node
ENTRYPOINT ["routebench"]
CMD ["--help"]
