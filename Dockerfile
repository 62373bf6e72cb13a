# syntax=docker/dockerfile:1
# The image the k8s/ manifests run: `docker build -t <registry>/otpx:<version> .` (README,
# "Kubernetes"). Base images are pinned by exact tag; the tests in K8sManifestsTest check that they
# stay pinned, that the jar lands where deployment.yaml runs it, and that the image runs as non-root.

# 1. The browser page's libraries, from the npm registry at package-lock.json's versions.
FROM node:20.19.0-bookworm-slim AS webdeps
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# 2. The fat jar. The tests are not run here (they need PostgreSQL and a browser): CI runs them.
FROM maven:3.9.9-eclipse-temurin-17 AS build
WORKDIR /build
COPY pom.xml ./
COPY --from=webdeps /build/node_modules ./node_modules
COPY conf/config.json ./conf/config.json
COPY src/main ./src/main
RUN mvn -B -Dskip.npm=true -Dmaven.test.skip=true package

# 3. The runtime: a JRE and the jar, run by an unprivileged user with a fixed id (runAsUser in
# k8s/deployment.yaml). Nothing is written outside /tmp.
FROM eclipse-temurin:17.0.15_6-jre-noble
RUN groupadd --system --gid 10001 otpx \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin otpx
COPY --from=build /build/target/otpx.jar /opt/otpx/otpx.jar
WORKDIR /opt/otpx
USER 10001:10001
# HTTP, /metrics, Hazelcast and the clustered event bus (the container ports of k8s/deployment.yaml).
EXPOSE 8080 9464 5701 5702
# The JVM flags of k8s/deployment.yaml (read why there): `docker run` behaves as the pod does.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=40", "-XX:InitialRAMPercentage=40", "-XX:+UseSerialGC", "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m", "-Xss512k", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-jar", "/opt/otpx/otpx.jar"]
