"""The OpenTelemetry SDK, set up from the standard OTEL_* variables, or not at all.

Unset, nothing here runs past `exporters()`: no SDK is imported, no exporter exists and nothing
leaves the process; spans (tracing.py) stay no-ops. Set, spans leave in batches through the
exporters named in OTEL_TRACES_EXPORTER (`otlp` when only an endpoint is given), and `flush()`
sends what is left before a short-lived command exits.
"""

import importlib
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from opentelemetry import trace

from .environment import ENV_FILE
from .errors import ConfigError

EXPORTERS = ("otlp", "console", "none")


def exporters(environ: Mapping[str, str] = os.environ) -> list[str]:
    """The span exporters the environment asks for: OTEL_TRACES_EXPORTER (a comma-separated
    list), else `otlp` when an OTLP endpoint is set, else none. OTEL_SDK_DISABLED wins."""
    if environ.get("OTEL_SDK_DISABLED", "").strip().lower() == "true":
        return []
    named = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if not named:
        endpoints = ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
        return ["otlp"] if any(environ.get(name, "").strip() for name in endpoints) else []
    chosen = [name.strip() for name in named.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in EXPORTERS]
    if unknown:
        raise ConfigError(
            f"OTEL_TRACES_EXPORTER: unknown exporter {unknown[0]!r} (otlp, console, none)"
        )
    return [] if "none" in chosen else chosen


def configure(service_name: str, environ: Mapping[str, str] | None = None) -> bool:
    """Install the SDK with the exporters the environment asks for, once per process; False
    (and nothing imported) when it asks for none. A provider installed by someone else (e.g.
    `opentelemetry-instrument`) is left as it is. Without `environ`, the process environment
    plus the OTEL_* lines of `.env` (the SDK reads its variables from the environment only).
    The process's one tracer provider (OpenTelemetry's own global) says whether it is done."""
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return True  # installed already: by an earlier call, or by someone else
    if environ is None:
        load_env_file()
        environ = os.environ
    chosen = exporters(environ)
    if not chosen:
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter

    named = "OTEL_SERVICE_NAME" in environ or "service.name=" in environ.get(
        "OTEL_RESOURCE_ATTRIBUTES", ""
    )
    # Resource.create reads OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES; ours is the default.
    provider = TracerProvider(
        resource=Resource.create({} if named else {SERVICE_NAME: service_name})
    )
    for name in chosen:
        exporter = _otlp(environ) if name == "otlp" else ConsoleSpanExporter(out=sys.stderr)
        # The exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself; the
        # processor reads OTEL_BSP_*. Spans leave in batches, off the agent's threads.
        provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    return True


def load_env_file(path: str = ENV_FILE) -> None:
    """Copy the OTEL_* variables of `.env` into the environment (real variables win), as every
    other setting is read from there too."""
    if not Path(path).is_file():
        return
    from dotenv import dotenv_values

    for name, value in dotenv_values(path, encoding="utf-8").items():
        if name.upper().startswith("OTEL_") and value:
            os.environ.setdefault(name.upper(), value)


def _otlp(environ: Mapping[str, str]) -> Any:
    protocol = (
        environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL")
        or "http/protobuf"
    ).strip()
    if protocol == "grpc":
        try:  # not a dependency: the HTTP exporter needs no gRPC stack
            grpc = importlib.import_module("opentelemetry.exporter.otlp.proto.grpc.trace_exporter")
        except ImportError:
            raise ConfigError(
                "OTEL_EXPORTER_OTLP_PROTOCOL=grpc needs opentelemetry-exporter-otlp-proto-grpc "
                "(uv add it), or use http/protobuf (port 4318)"
            ) from None
        return grpc.OTLPSpanExporter()
    if protocol != "http/protobuf":
        raise ConfigError(f"OTLP protocol {protocol!r} is not supported: use http/protobuf or grpc")
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as Http

    return Http()


def flush() -> None:
    """Send the spans still buffered: short-lived commands call this before they exit."""
    # The SDK's provider has force_flush; the API's no-op proxy (no SDK installed) has not.
    force_flush = getattr(trace.get_tracer_provider(), "force_flush", None)
    if force_flush is not None:
        force_flush()
