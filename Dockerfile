# palette-policy as a container: docker run --rm -v "$PWD:/work" palette-policy validate infra/
# Multi-stage: the build stage installs into a virtual environment, the final stage copies only that
# environment onto a slim Python and runs as an unprivileged user.
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md LICENSE ./
COPY validator ./validator
COPY policies ./policies
COPY schemas ./schemas
RUN python -m venv /opt/palette-policy \
 && /opt/palette-policy/bin/pip install --no-cache-dir --no-compile . \
 && /opt/palette-policy/bin/palette-policy --version

FROM python:3.12-slim
COPY --from=build /opt/palette-policy /opt/palette-policy
RUN useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin palette
ENV PATH=/opt/palette-policy/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["palette-policy"]
CMD ["--help"]
