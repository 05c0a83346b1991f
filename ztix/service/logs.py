"""Logs of the CLI and the services: plain text, or one JSON object per line (`--log-format
json`, or ZTIX_LOG_FORMAT=json) for a log shipper. Never a secret: messages are what the code
says, and secrets never reach a message (they stay in SecretStr and the environment)."""

from __future__ import annotations

import datetime
import logging
import os
import sys
from typing import Any

from ztix.errors import SettingsError

FORMATS = ("text", "json")

# Attributes every LogRecord has; anything else on a record is a field it was given (extra=).
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, and any extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as a single line of JSON."""
        import json  # noqa: PLC0415  (text logs, the CLI's default, never need it)

        when = datetime.datetime.fromtimestamp(record.created, datetime.UTC)
        out: dict[str, Any] = {
            "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, sort_keys=True)


def log_format(flag: str | None) -> str:
    """The log format: the `--log-format` flag, else ZTIX_LOG_FORMAT, else text."""
    if flag:
        return flag  # argparse has checked it against FORMATS
    value = os.environ.get("ZTIX_LOG_FORMAT", "") or "text"
    if value not in FORMATS:
        # A typo here would silently give a log shipper text it cannot parse.
        raise SettingsError(f"ZTIX_LOG_FORMAT: {value[:40]!r} is not one of {', '.join(FORMATS)}")
    return value


def configure(fmt: str, level: int = logging.INFO) -> None:
    """Send the `ztix` loggers (and uvicorn's) to standard error in `fmt` (text or json)."""
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    for name in ("ztix", "uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers = [handler]
        logger.setLevel(level)
        logger.propagate = False


def uvicorn_log_config(fmt: str) -> dict[str, Any] | None:
    """uvicorn's own logging in the same format (None: uvicorn's default text)."""
    if fmt != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "ztix.service.logs.JsonFormatter"}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            name: {"handlers": ["stderr"], "level": "INFO", "propagate": False}
            for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "ztix")
        },
    }


class TagFormatter(logging.Formatter):
    """The CLI's text form: `<tag>: <message>` (error:, warning:, incident: ...), or the bare
    message when a record has no tag (a problem line, a note)."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as the CLI has always printed it."""
        tag = getattr(record, "tag", None)
        message = record.getMessage()
        return f"{tag}: {message}" if tag else message


def configure_cli(fmt: str) -> logging.Logger:
    """The CLI's messages on standard error: text as before, or JSON lines (with the tag as a
    field: kind=error, warning, incident, problem ...)."""
    logger = logging.getLogger("ztix.cli")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TagFormatter())
    logger.handlers = [handler]
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def say(kind: str, message: str, level: int = logging.WARNING, **fields: Any) -> None:
    """One CLI message of `kind` (error, warning, incident, problem, note) on standard error."""
    tag = kind if kind not in ("problem", "note") else None
    logging.getLogger("ztix.cli").log(level, message, extra={"tag": tag, "kind": kind, **fields})
