# syntax=docker/dockerfile:1
# pymd image: the one executable, Python with its plotting and table libraries, and both jails.
#   docker build -t pymd .
#   docker run -d -p 8080:8080 -v pymd-data:/data --memory 2g \
#     --security-opt seccomp=pymd-seccomp.json --security-opt apparmor=unconfined \
#     --security-opt systempaths=unconfined pymd
# Why each flag is there: README.md, "Run with Docker"; docs/operations.md.

FROM node:20-bookworm AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN node scripts/bun.mjs run scripts/build.ts

FROM debian:bookworm AS nsjail
# nsjail at tag 3.4 with its kafel submodule at the commit that tag pins, fetched up front so
# `make` never fetches anything itself.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates git make g++ pkg-config bison flex \
      libprotobuf-dev protobuf-compiler libnl-route-3-dev \
 && git clone --depth 1 --branch 3.4 https://github.com/google/nsjail.git /nsjail \
 && kafel_commit="$(git -C /nsjail rev-parse HEAD:kafel)" \
 && rm -rf /nsjail/kafel \
 && git clone https://github.com/google/kafel.git /nsjail/kafel \
 && git -C /nsjail/kafel checkout --quiet "$kafel_commit" \
 && make -C /nsjail -j"$(nproc)" \
 && strip /nsjail/nsjail

FROM debian:bookworm-slim
# Kept under 500 MB without losing what notebooks use:
# - python3-munkres satisfies python3-fonttools' "scipy | munkres", so scipy -> pythran -> g++
#   and Boost (468 MB) stay out;
# - a local placeholder package provides python3-sympy and unicode-data, which python3-fonttools
#   depends on but matplotlib never loads (only fontTools.misc.symfont does); dpkg stays
#   consistent, and `apt-get install python3-sympy` in a derived image installs the real one;
# - the packages' own test suites (`tests` directories) are removed.
# tabulate backs pymd.table and DataFrame.to_markdown.
RUN mkdir -p /tmp/placeholder/DEBIAN \
 && printf '%s\n' 'Package: pymd-image-placeholders' 'Version: 1' 'Architecture: all' 'Maintainer: pymd' \
      'Provides: python3-sympy (= 1.11.1-1), unicode-data (= 15.0.0-1)' \
      'Description: stands in for packages the pymd image does not need' > /tmp/placeholder/DEBIAN/control \
 && dpkg-deb --build /tmp/placeholder /tmp/placeholder.deb >/dev/null \
 && dpkg -i /tmp/placeholder.deb \
 && rm -rf /tmp/placeholder /tmp/placeholder.deb \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      python3 python3-munkres python3-matplotlib python3-numpy python3-pandas python3-tabulate fonts-dejavu-core \
      bubblewrap util-linux libprotobuf32 libnl-route-3-200 tini ca-certificates \
 && find /usr/lib/python3/dist-packages -depth -type d -name tests -exec rm -rf {} + \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && groupadd --gid 1000 pymd \
 && useradd --uid 1000 --gid 1000 --home-dir /data --no-create-home --shell /usr/sbin/nologin pymd \
 && mkdir -p /data /usr/share/pymd \
 && MPLCONFIGDIR=/usr/share/pymd/matplotlib python3 -c "import matplotlib.font_manager" \
 && chmod -R a+rX,go-w /usr/share/pymd/matplotlib \
 && chown pymd:pymd /data
COPY --from=nsjail /nsjail/nsjail /usr/local/bin/nsjail
COPY --from=build /src/dist/pymd /usr/local/bin/pymd
COPY pymd-seccomp.json compose.yaml /usr/share/pymd/
ENV PYMD_DATA_DIR=/data PYMD_HOST=0.0.0.0 PYMD_PORT=8080
VOLUME /data
EXPOSE 8080
# pymd runs as an ordinary user; both jails map their user inside an unprivileged user namespace.
USER pymd
HEALTHCHECK --interval=30s --timeout=3s \
  CMD python3 -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8080/api/v1/ready').status == 200 else 1)"
# tini reaps the jails' zombies and forwards signals so `docker stop` shuts down cleanly.
ENTRYPOINT ["/usr/bin/tini", "--", "pymd"]
CMD ["serve"]
