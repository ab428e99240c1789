# syntax=docker/dockerfile:1
# Lifeline's container image: built with the official Swift image, run on distroless (glibc, libstdc++ and CA
# certificates; no shell, no package manager) as the non-root user 65532.
#   docker build -t lifeline .
#   docker run --rm lifeline version
#   docker run --rm --read-only -v "$PWD/examples/istio:/etc/lifeline:ro" lifeline \
#     check --config /etc/lifeline/gateway.yaml --envoy-filter /etc/lifeline/keepalive-envoyfilter.yaml
#   docker run --rm --read-only -v "$PWD/config:/etc/lifeline:ro" -p 8443:8443 lifeline   # runs bootstrap.yaml
# deploy/kubernetes/ runs it behind an AWS NLB; deploy/image/build makes the same image without pulling anything.

FROM swift:6.3-bookworm AS build
WORKDIR /src
COPY . .
# The Swift runtime and Foundation linked statically: the runtime image needs only the C and C++ libraries.
RUN --mount=type=cache,target=/src/.build \
    swift build -c release --static-swift-stdlib --product lifeline \
    && install -D -m 0755 "$(swift build -c release --show-bin-path)/lifeline" /out/usr/local/bin/lifeline

FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="lifeline" \
      org.opencontainers.image.description="Ingress gateway for long-lived connections behind cloud load balancers; reads Envoy v3 config"
COPY --from=build /out/ /
USER 65532:65532
WORKDIR /
# 8443 HTTPS and 8080 HTTP (deploy/kubernetes/configmap.yaml), 15021 /ready and /live. The admin endpoint stays on
# 127.0.0.1:9901 inside the pod.
EXPOSE 8443 8080 15021
ENTRYPOINT ["/usr/local/bin/lifeline"]
CMD ["run", "--config", "/etc/lifeline/bootstrap.yaml"]
