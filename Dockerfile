# The aijobs command line as an image, for docker-compose.yml. Not built in CI (no Docker engine there).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests install \
 && ./mvnw -B -q -pl cli dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory=/app/lib \
 && cp -r cli/target/classes /app/classes

FROM eclipse-temurin:17-jre
COPY --from=build /app /app
ENTRYPOINT ["java", "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.aijobs.schema", "-cp", "/app/classes:/app/lib/*", "io.aijobs.cli.AijobsCommand"]
