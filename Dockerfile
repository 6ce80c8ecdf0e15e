# syntax=docker/dockerfile:1
# pymd image: the one executable, Python with its plotting and table libraries, and both jails.
#   docker build -t pymd .
#   docker run -p 8080:8080 -v pymd-data:/data \
#     --security-opt seccomp=unconfined --security-opt apparmor=unconfined pymd
# (the jails create namespaces, which Docker's default profiles forbid; see docs/operations.md)

FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/bun.mjs run scripts/build.ts

FROM debian:bookworm AS nsjail
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git make g++ pkg-config bison flex \
      libprotobuf-dev protobuf-compiler libnl-route-3-dev \
 && git clone --depth 1 --branch 3.4 https://github.com/google/nsjail.git /nsjail \
 && make -C /nsjail -j"$(nproc)"

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-matplotlib python3-numpy python3-pandas fonts-dejavu-core \
      bubblewrap util-linux libprotobuf32 libnl-route-3-200 tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*
COPY --from=nsjail /nsjail/nsjail /usr/local/bin/nsjail
COPY --from=build /src/dist/pymd /usr/local/bin/pymd
ENV PYMD_DATA_DIR=/data PYMD_HOST=0.0.0.0 PYMD_PORT=8080
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=3s \
  CMD python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/api/v1/ready').status == 200 else 1)"
# tini reaps the jails' zombies and forwards signals so `docker stop` shuts down cleanly.
ENTRYPOINT ["/usr/bin/tini", "--", "pymd"]
CMD ["serve"]
