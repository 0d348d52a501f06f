# s3ship as a container image: the committed bundles (dist/) on an official Node 24 slim image.
# Nothing is downloaded while building — run `npm run bundle` first if dist/ is not there.
#
#   docker build -t s3ship .                                  # or --build-arg BASE_IMAGE=…
#   docker run --rm -v "$PWD:/site" -w /site -e AWS_… s3ship deploy --source public --bucket b
#
# One image for every CI: a GitHub docker step passes s3ship's arguments (`deploy …`); GitLab
# starts it with its own shell script and Jenkins with `cat` (then `docker exec`s its steps).
# The entrypoint therefore runs s3ship for s3ship's commands and flags and executes anything
# else as given; with the entrypoint overridden, `s3ship` is on PATH and /bin/sh is there.
ARG BASE_IMAGE=node:24-bookworm-slim
FROM ${BASE_IMAGE}

LABEL org.opencontainers.image.title="s3ship" \
      org.opencontainers.image.description="Deploy a directory to Amazon S3 or any S3-compatible store from CI" \
      org.opencontainers.image.licenses="MIT"

COPY dist/ /opt/s3ship/dist/
# "type": "module" makes the bundles ES modules; nothing is installed.
RUN echo '{ "type": "module" }' > /opt/s3ship/package.json \
 && chmod 0755 /opt/s3ship/dist/cli.js \
 && ln -s /opt/s3ship/dist/cli.js /usr/local/bin/s3ship \
 && s3ship --version

# The official Node images' unprivileged user (uid 1000). CI systems that run containers as
# their own user (Jenkins: `-u <uid>:<gid>`) override it; s3ship needs no home directory.
USER node

ENTRYPOINT ["/bin/sh", "-c", "case \"${1:-}\" in deploy|plan|doctor|presign|schema|help|version|-*) exec s3ship \"$@\" ;; esac; exec \"$@\"", "s3ship"]
CMD ["--help"]
