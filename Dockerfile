# The same steps as `make install` + `make system-deps`: Debian packages for
# PDFs (fonts, poppler), a virtual environment from the pinned requirements,
# compiled translations. Chromium is only needed for the test suite and is not
# installed in the image.
FROM python:3.11-slim-bookworm

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends make fonts-dejavu-core poppler-utils \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt pyproject.toml Makefile babel.cfg ./
COPY examserver ./examserver
COPY question_bank ./question_bank
COPY kiosk ./kiosk
COPY admin ./admin
COPY migrations ./migrations
RUN make install PYTHON=python3.11

ENV EXAM_MODE=production \
    EXAM_INSTANCE_PATH=/var/lib/examserver \
    PATH=/app/.venv/bin:$PATH
VOLUME /var/lib/examserver
EXPOSE 8000
# EXAM_SECRET_KEY and EXAM_DATABASE_URL (postgresql+psycopg://...) must be set at run time.
CMD ["sh", "-c", "examserver db upgrade && examserver serve --bind 0.0.0.0:8000"]
