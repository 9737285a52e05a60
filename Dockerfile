# syntax=docker/dockerfile:1
# custgraph gateway image: a static binary on distroless, run as a non-root user.
#   docker build -t custgraph .
#   docker run --rm -p 8080:8080 custgraph          # sandbox mode (simulated upstreams)
# Pin both base images by digest in your own registry mirror for reproducible builds.

ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Modules first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# CGO off: a static binary that needs no libc in the runtime image. -trimpath keeps build paths
# out of the binary; -s -w drop the symbol tables (stack traces keep function names).
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/custgraph ./cmd/gateway

# distroless/static: CA certificates and tzdata, no shell, no package manager. The :nonroot tag
# runs as uid/gid 65532.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/custgraph /custgraph
USER 65532:65532
EXPOSE 8080
ENV CUSTGRAPH_ADDR=:8080 \
    CUSTGRAPH_LOG_FORMAT=json
ENTRYPOINT ["/custgraph"]
