"""lamux: a multiplexing HTTP reverse proxy for AWS Lambda."""

__version__ = "0.1.0"
