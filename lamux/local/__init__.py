"""A local stand-in for AWS Lambda: the Invoke API on loopback, running real handlers.

Python handlers run under AWS's runtime interface client (awslambdaric) and custom runtimes
run their ``bootstrap``, each in its own processes speaking the Lambda Runtime API.
"""

from lamux.local.config import ConfigError, LocalConfig, load_config
from lamux.local.service import LocalLambdaService

__all__ = ["ConfigError", "LocalConfig", "LocalLambdaService", "load_config"]
