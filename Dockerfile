# The aijobs image built from source, for docker-compose.yml: the release archive is built and unpacked in a first
# stage, and the second stage is distribution/src/dist/Dockerfile (the image built from an unpacked release
# archive). The two final stages must stay in step: same base image, user, layout, ports and entry point; change one,
# change the other. Not built in CI (no Docker engine there).
#   docker build -t aijobs:dev .
#   docker run --rm aijobs:dev --help
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
# `package` builds distribution/target/aijobs-VERSION.tar.gz (bin/aijobs, lib/, config/, Dockerfile)
RUN ./mvnw -B -q -ntp -DskipTests package \
 && mkdir /dist \
 && tar xzf distribution/target/aijobs-*.tar.gz -C /dist --strip-components 1

# From here on: distribution/src/dist/Dockerfile, with the unpacked archive in /dist instead of the build context
FROM eclipse-temurin:21-jre
RUN useradd --system --uid 10001 --home-dir /var/lib/aijobs --create-home aijobs
COPY --from=build --chown=root:root /dist/bin/ /opt/aijobs/bin/
COPY --from=build --chown=root:root /dist/lib/ /opt/aijobs/lib/
COPY --from=build --chown=root:root /dist/config/ /opt/aijobs/config/
USER aijobs
WORKDIR /var/lib/aijobs
ENV AIJOBS_HOME=/var/lib/aijobs/.aijobs
# processor's metrics and health; the aggregator's usage, metrics and health
EXPOSE 9400 9401
ENTRYPOINT ["/opt/aijobs/bin/aijobs"]
CMD ["--help"]
