"""SKSTACK-IP, the serial command set of Japanese Wi-SUN HAN modules (ROHM BP35A1, BP35C0,
BP35C2; Tessera RL7023 Stick-D/IPS and /DSS), sans-IO.

Theory of operation. The host writes commands (:mod:`.commands`); the module answers each
with an optional echo of the command line (register SFE), reply lines and a status line,
``OK`` or ``FAIL ERxx`` (BP35A1 command reference, ch. 2 and ch. 7). Asynchronous lines
arrive at any time in between: ``EVENT`` (4.8), ``ERXUDP`` (4.1) and the ``EPANDESC`` block
of an active scan (4.5). :class:`SkStackParser` (the host's side, :mod:`.parser`) takes bytes
as they come off the port and hands out one event (:mod:`.events`) at a time, as h11's
``Connection`` does; :func:`encode_event` is its exact inverse (the emulator's side), and
:class:`CommandReader` reads commands as a module does. The two families of modules print
different lines (:mod:`.models`); the parser reads both.

Where the sources come from and where they disagree: ``tests/protocols/skstack_transcripts.py``
(each row quotes its project, file and the command reference section it cites).
"""

from __future__ import annotations

from conformance.protocols.skstack.commands import (
    REGISTERS,
    Command,
    CommandReader,
    canonical_register,
    encode_command,
    parse_register_write,
    register_value,
    ropt,
    skappver,
    skinfo,
    skjoin,
    skll64,
    skreset,
    skscan,
    sksendto,
    sksetpwd,
    sksetrbid,
    sksreg,
    skstart,
    skterm,
    skudpport,
    skver,
    wopt,
)
from conformance.protocols.skstack.events import (
    AppVersionReply,
    CommandEcho,
    Event,
    Fail,
    InfoReply,
    Ipv6Address,
    Ok,
    PanDescriptor,
    RegisterValue,
    SkStackEvent,
    UdpReceived,
    VersionReply,
    encode_event,
)
from conformance.protocols.skstack.fields import (
    CR,
    CRLF,
    MAX_LINE,
    MAX_UDP_PAYLOAD,
    UDP_SENT_FAILED,
    UDP_SENT_NEIGHBOUR_SOLICITATION,
    UDP_SENT_OK,
    EventNumber,
    SkStackError,
    format_ipaddr,
    is_error_code,
    is_hex,
    masked,
    parse_ipaddr,
)
from conformance.protocols.skstack.models import (
    A1,
    MODELS,
    C,
    Layout,
    layout_of,
)
from conformance.protocols.skstack.parser import (
    SkStackParser,
)

__all__ = [
    "A1",
    "CR",
    "CRLF",
    "MAX_LINE",
    "MAX_UDP_PAYLOAD",
    "MODELS",
    "REGISTERS",
    "UDP_SENT_FAILED",
    "UDP_SENT_NEIGHBOUR_SOLICITATION",
    "UDP_SENT_OK",
    "AppVersionReply",
    "C",
    "Command",
    "CommandEcho",
    "CommandReader",
    "Event",
    "EventNumber",
    "Fail",
    "InfoReply",
    "Ipv6Address",
    "Layout",
    "Ok",
    "PanDescriptor",
    "RegisterValue",
    "SkStackError",
    "SkStackEvent",
    "SkStackParser",
    "UdpReceived",
    "VersionReply",
    "canonical_register",
    "encode_command",
    "encode_event",
    "format_ipaddr",
    "is_error_code",
    "is_hex",
    "layout_of",
    "masked",
    "parse_ipaddr",
    "parse_register_write",
    "register_value",
    "ropt",
    "skappver",
    "skinfo",
    "skjoin",
    "skll64",
    "skreset",
    "skscan",
    "sksendto",
    "sksetpwd",
    "sksetrbid",
    "sksreg",
    "skstart",
    "skterm",
    "skudpport",
    "skver",
    "wopt",
]
