# etlbench:dev: the static etlbench binary (CGO_ENABLED=0) and nothing else,
# so no base image has to be pulled. The built-in transformers are its
# subcommands (`etlbench transformer md5`), the nodes `etlbench node ...`.
# `make image` builds it (docker build when a daemon runs, else a
# docker-archive tar written without a daemon); by hand:
#   CGO_ENABLED=0 go build -o bin/etlbench ./bench && mkdir -p bin/tmp && chmod 1777 bin/tmp
#   docker build -f Dockerfile -t etlbench:dev bin/
FROM scratch
COPY etlbench /etlbench
COPY tmp /tmp
ENV PATH=/
ENTRYPOINT ["/etlbench"]
