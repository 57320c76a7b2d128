"""The two error families of the codecs (STYLE.md).

A ``ProtocolError`` means the *peer* broke the protocol: malformed bytes, a bad MIC,
an unexpected message. It is a finding about the terminal and never crashes the bench.
A ``BenchUsageError`` means the bench called a codec wrongly: a bug in the bench.
"""


class ProtocolError(Exception):
    """The peer sent something the protocol does not allow."""


class DecodeError(ProtocolError):
    """Bytes that cannot be parsed as the protocol's message."""


class IntegrityError(ProtocolError):
    """A message whose MIC, MAC or AUTH value does not verify."""


class BenchUsageError(Exception):
    """The bench misused an API (wrong argument, wrong state): a bench bug."""
