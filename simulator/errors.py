"""The phone's errors: each carries the HTTP status the phone API answers with."""


class PhoneError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(PhoneError):
    status = 400


class NotFound(PhoneError):
    status = 404


class AlreadyUsed(PhoneError):
    status = 409


class Expired(PhoneError):
    status = 410
