class ToolchainError(Exception):
    """An error the user can act on: printed as one message, without a traceback."""


class UnsupportedOps(ToolchainError):
    """A converter cannot express some ops of the model: the one failure another runtime of the same platform
    may not have (platform descriptors' `fallback`)."""

    def __init__(self, message: str, ops: list[str]) -> None:
        super().__init__(message)
        self.ops = ops
