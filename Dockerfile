# One image for every production role: migrate, web and worker differ only in the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/opt/ltc

RUN pip install --no-cache-dir uv && useradd --system --create-home ltc
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY . .
RUN uv sync --locked --no-dev && chown -R ltc /app
USER ltc
ENV PATH=/opt/ltc/bin:$PATH
EXPOSE 8000
CMD ["ltc", "serve", "--host", "0.0.0.0", "--port", "8000"]
