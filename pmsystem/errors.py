"""The one application error type: a message the user can act on, shown as it is."""


class ApplicationError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message
