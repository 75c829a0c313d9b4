class ToolchainError(Exception):
    """An error the user can act on: printed as one message, without a traceback."""
