"""A module that fails while Lambda imports it, so every cold start reports an init error."""

raise RuntimeError("init_error fails at import on purpose")


def handler(event, context):  # never reached
    return None
