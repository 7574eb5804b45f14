"""Command line and environment variables of a runtime process, as Lambda sets them.

Variables follow "Defined runtime environment variables" in the Lambda Developer Guide
(configuration-envvars). The process does not inherit the service's environment, so the
developer's credentials and settings do not reach function code.
"""

from __future__ import annotations

import os
import secrets
import sys
import time
from collections.abc import Mapping

from lamux.local.config import Deployment

# Static credentials for the function's AWS SDK. They are not valid anywhere, so a function
# that calls a real AWS endpoint fails instead of acting with the developer's identity.
DUMMY_ACCESS_KEY_ID = "AKIALAMUXLOCAL000000"
DUMMY_SECRET_ACCESS_KEY = "lamux-local-dummy-secret-access-key"
DUMMY_SESSION_TOKEN = "lamux-local-dummy-session-token"


def runtime_command(deployment: Deployment) -> list[str]:
    """Return the command that starts the runtime of ``deployment``.

    Python functions run under AWS's runtime interface client, awslambdaric, with the
    interpreter that runs this service. Custom runtimes run CODE/bootstrap.
    """
    if deployment.function.runtime == "python":
        return [sys.executable, "-m", "awslambdaric", deployment.code.handler or ""]
    return [str(deployment.code.directory / "bootstrap")]


def runtime_environment(
    deployment: Deployment,
    *,
    runtime_api: str,
    endpoint_url: str,
    region: str,
    parent_environ: Mapping[str, str] = os.environ,
) -> dict[str, str]:
    """Build the environment variables of a runtime process.

    ``runtime_api`` is the ``host:port`` of the Runtime API, and ``endpoint_url`` the URL of
    this service's Invoke API, which the function's SDK uses for Lambda calls. The function's
    own ``environment`` is applied last.
    """
    function = deployment.function
    task_root = str(deployment.code.directory)
    environ = {
        "PATH": parent_environ.get("PATH", os.defpath),
        "LANG": "en_US.UTF-8",
        "TZ": "UTC",
        "HOME": parent_environ.get("HOME", task_root),
        "LAMBDA_TASK_ROOT": task_root,
        "AWS_LAMBDA_RUNTIME_API": runtime_api,
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_VERSION": deployment.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name(deployment.version),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": DUMMY_ACCESS_KEY_ID,
        "AWS_SECRET_ACCESS_KEY": DUMMY_SECRET_ACCESS_KEY,
        "AWS_SESSION_TOKEN": DUMMY_SESSION_TOKEN,
        "AWS_ENDPOINT_URL_LAMBDA": endpoint_url,
        "AWS_EC2_METADATA_DISABLED": "true",
        # Lambda has no shared AWS config or credentials files. These keep the function's SDK
        # from reading the developer's files through HOME.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    if deployment.code.handler is not None:
        environ["_HANDLER"] = deployment.code.handler
    if function.runtime == "python":
        version = sys.version_info
        environ["AWS_EXECUTION_ENV"] = f"AWS_Lambda_python{version.major}.{version.minor}"
        environ["PYTHONPATH"] = task_root
    environ.update(deployment.code.environment)
    return environ


def log_stream_name(version: str) -> str:
    """Build a log stream name in Lambda's form: ``YYYY/MM/DD/[VERSION]`` and 32 hex digits."""
    return f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{version}]{secrets.token_hex(16)}"
