"""Line transcripts per module model, from the public references, not from the emulator.

Each row is one exchange as a source shows it: what the host writes, what the module prints,
what the codec must read from it, and where it comes from (project, file, and the command
reference section the file cites). ``tests/protocols/test_skstack_transcripts.py`` drives the
codec with every row and the emulator with every row it can reach.

Sources:
* [smdn] smdn/Smdn.Net.SkStackIP, tests of SkStackClient (files named
  ``SkStackClient.Commands.<section>.<COMMAND>.cs``) and of Smdn.Devices.BP35XX
  (``BP35A1.Commands.cs``); its ``SkStackEventParser.cs`` and ``BP35CommandSyntax.cs`` quote the
  BP35A1 command reference (コマンドリファレンス) section by section.
* [momonga] nbtk/momonga 0.7.0 (PyPI): ``momonga_device.py`` (BP35C2Strategy and
  BP35A1Strategy), ``momonga_response.py``, ``momonga_sk_wrapper.py``.
* [EchoDotNetLite] HiroyukiSakoh/EchoDotNetLite, ``SkstackIpDotNet/Commands`` and ``Events``,
  whose doc comments quote the BP35A1 reference.
* [Skyley] Skyley Networks' SKSTACK IP API (nakahira0306/SKSTACK_IP_API_TEST),
  ``skevents/SKERxUdpHanParser.java``, ``SKGeneralEvent.java``, ``PanaTest.java``.
* [RATOC] RATOC Systems' BP35C2 sample ``wbgt_demo.py`` (found by text search).
* [B-route C2 client] a public B-route client "ROHM BP35C2 / テセラ製 Wi-SUN USBアダプタ対応"
  (found by text search), whose comments give both ERXUDP layouts of the C family.

Where the references disagree or are silent, the row's ``note`` says so and the driver
accepts both forms (the parser reads fields by width; ROPT's answer with CR or CRLF).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.protocols import skstack as sk

ADDR = sk.parse_ipaddr("FE80:0000:0000:0000:021D:1290:1234:5678")
PEER = sk.parse_ipaddr("FE80:0000:0000:0000:021D:1290:1234:5679")
MAC = bytes.fromhex("001D129012345678")
PEER_MAC = bytes.fromhex("001D129012345679")
A = "FE80:0000:0000:0000:021D:1290:1234:5678"
P = "FE80:0000:0000:0000:021D:1290:1234:5679"
ECHONET_GET = bytes.fromhex("1081000105FF010288016201E700")
ECHONET_RES = bytes.fromhex("1081000102880105FF017201E704000001F4")


@dataclass(frozen=True)
class Transcript:
    model: str  # a name of conformance.protocols.skstack.MODELS, or the edition a source is
    name: str
    source: str
    command: bytes  # what the host writes; b"" for a line the module prints on its own
    answer: bytes  # what the module prints
    events: tuple[sk.SkStackEvent, ...]
    encode: Callable[[], bytes] | None = None  # the bench's encoder of ``command``
    hex_data: bool = False
    bare_cr: bool = False  # a product configuration command: its answer may end with CR alone
    note: str = ""  # disagreement or silence between the sources
    emulator: tuple[bytes, ...] | None = None  # set-up for the emulator check; None: not run
    emulator_why_not: str = ""
    tags: tuple[str, ...] = field(default=())

    @property
    def family(self) -> str:
        return sk.layout_of(self.model).family if self.model in sk.MODELS else "other"

    @property
    def id(self) -> str:
        return f"{self.model} {self.name}"


ECHO_OFF = (b"SKSREG SFE 0\r\n",)
PAA_SESSIONLESS = "needs a terminal in a PANA session: tests/rigs/emulators/test_skstack_module.py"

A1_ROWS = [
    Transcript(
        "BP35A1",
        "SKVER",
        "[smdn] SkStackClient.Commands.3.23.SKVER.cs (3.23)",
        b"SKVER\r\n",
        b"EVER 1.2.10\r\nOK\r\n",
        (sk.VersionReply(version="1.2.10"), sk.Ok()),
        encode=sk.skver,
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKAPPVER",
        "[smdn] SkStackClient.Commands.3.24.SKAPPVER.cs (3.24)",
        b"SKAPPVER\r\n",
        b"EAPPVER rev26e\r\nOK\r\n",
        (sk.AppVersionReply(version="rev26e"), sk.Ok()),
        encode=sk.skappver,
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKINFO",
        "[smdn] SkStackClient.Commands.3.2.SKINFO.cs (3.2)",
        b"SKINFO\r\n",
        f"EINFO {A} 001D129012345678 21 8888 FFFE\r\nOK\r\n".encode(),
        (sk.InfoReply(ipaddr=ADDR, addr64=MAC, channel=0x21, pan_id=0x8888, addr16=0xFFFE), sk.Ok()),
        encode=sk.skinfo,
        emulator=ECHO_OFF,
        note="[momonga] reads the fifth field as SIDE and takes FFFE for 'BP35A1'",
    ),
    Transcript(
        "BP35A1",
        "SKSREG SFE 0",
        "[smdn] BP35Base.cs InitializeAsync; SKSREG 3.1",
        b"SKSREG SFE 0\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksreg("SFE", False),
        emulator=ECHO_OFF,
        note="with echo on, the command that turns it off is echoed first (the echo precedes execution)",
    ),
    Transcript(
        "BP35A1",
        "SKSREG S02",
        "[smdn] SkStackClient.Commands.3.1.SKSREG.cs (3.1)",
        b"SKSREG S02 21\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksreg("S02", 0x21),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSREG S03",
        "[smdn] SkStackClient.Commands.3.1.SKSREG.cs (3.1)",
        b"SKSREG S03 8888\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksreg("S03", 0x8888),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSREG S16",
        "[smdn] SkStackClient.Commands.3.1.SKSREG.cs (3.1)",
        b"SKSREG S16 384\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksreg("S16", 0x384),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSREG S0A",
        "[smdn] SkStackClient.Commands.3.1.SKSREG.cs (3.1)",
        b"SKSREG S0A CCDDEEFF\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksreg("S0A", "CCDDEEFF"),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSREG read",
        "[smdn] SkStackClient.Commands.3.1.SKSREG.cs (3.1)",
        b"SKSREG S03\r\n",
        b"ESREG 8888\r\nOK\r\n",
        (sk.RegisterValue(value="8888"), sk.Ok()),
        encode=lambda: sk.sksreg("S03"),
        emulator=(*ECHO_OFF, b"SKSREG S03 8888\r\n"),
    ),
    Transcript(
        "BP35A1",
        "SKSREG SA2",
        "[momonga] momonga_session_manager.py open(): SKSREG SA2 1 on any model",
        b"SKSREG SA2 1\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksreg("SA2", True),
        note="silent in [smdn]; momonga writes it to a BP35A1 and then reads ERXUDP without RSSI, "
        "so the A1 takes the register without effect",
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSETPWD",
        "[smdn] SkStackClient.Commands.3.16.SKSETPWD.cs (3.16)",
        b"SKSETPWD C 0123456789AB\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksetpwd("0123456789AB"),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSETRBID",
        "[smdn] SkStackClient.Commands.3.17.SKSETRBID.cs (3.17)",
        b"SKSETRBID 00112233445566778899AABBCCDDEEFF\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksetrbid("00112233445566778899AABBCCDDEEFF"),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKUDPPORT",
        "[smdn] SkStackClient.Commands.3.19.SKUDPPORT.cs (3.19)",
        b"SKUDPPORT 3 0050\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.skudpport(3, 0x50),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "ROPT",
        "[smdn] BP35A1.Commands.cs GetUdpDataFormatAsync; BP35CommandSyntax.cs (3.31)",
        b"ROPT\r",
        b"OK 00\r",
        (sk.Ok(detail="00"),),
        encode=sk.ropt,
        bare_cr=True,
        emulator=ECHO_OFF,
        note="[momonga] _exec_ropt reads up to 'OK ' and a CR as well",
    ),
    Transcript(
        "BP35A1",
        "WOPT",
        "[smdn] BP35A1.Commands.cs SetUdpDataFormatAsync (3.30)",
        b"WOPT 01\r",
        b"OK\r",
        (sk.Ok(),),
        encode=lambda: sk.wopt(True),
        bare_cr=True,
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKRESET",
        "[smdn] SkStackClient.Commands.3.25.SKRESET.cs (3.25)",
        b"SKRESET\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=sk.skreset,
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSTART",
        "[EchoDotNetLite] Commands/SKStartCommand.cs (3.3, quoted); [Skyley] SKStart.java",
        b"SKSTART\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=sk.skstart,
        emulator=(*ECHO_OFF, b"SKSREG S03 8888\r\n"),
    ),
    Transcript(
        "BP35A1",
        "SKLL64",
        "[smdn] SkStackClient.Commands.3.29.SKLL64.cs (3.29)",
        b"SKLL64 001D129012345678\r\n",
        f"{A}\r\n".encode(),
        (sk.Ipv6Address(address=ADDR),),
        encode=lambda: sk.skll64(MAC),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSENDTO",
        "[smdn] SkStackClient.Commands.3.7.SKSENDTO.cs (3.7)",
        f"SKSENDTO 1 {A} 0E1A 0 0005 01234".encode(),
        f"EVENT 21 {A} 00\r\nOK\r\n".encode(),
        (sk.Event(number=0x21, sender=ADDR, param=0), sk.Ok()),
        encode=lambda: sk.sksendto(1, ADDR, 0x0E1A, False, b"01234"),
        emulator=(*ECHO_OFF, b"SKSREG S03 8888\r\n", b"SKSTART\r\n"),
        note="no CRLF after the data: the module reads DATALEN octets",
    ),
    Transcript(
        "BP35A1",
        "SKSENDTO neighbour solicitation",
        "[smdn] SkStackClient.Commands.3.7.SKSENDTO.cs (3.7)",
        b"",
        f"EVENT 21 {A} 02\r\n".encode(),
        (sk.Event(number=0x21, sender=ADDR, param=2),),
    ),
    Transcript(
        "BP35A1",
        "SKTERM",
        "[smdn] SkStackClient.Commands.3.6.SKTERM.cs; [EchoDotNetLite] SKTermCommand.cs (3.6)",
        b"SKTERM\r\n",
        f"OK\r\nEVENT 27 {A}\r\n".encode(),
        (sk.Ok(), sk.Event(number=0x27, sender=ADDR)),
        encode=sk.skterm,
        emulator_why_not=PAA_SESSIONLESS,
        note="no argument: the bench's old SKTERM <addr> got FAIL ER05",
    ),
    Transcript(
        "BP35A1",
        "SKTERM unanswered",
        "[smdn] SkStackClient.Commands.3.6.SKTERM.cs (3.6)",
        b"",
        f"EVENT 28 {A}\r\n".encode(),
        (sk.Event(number=0x28, sender=ADDR),),
    ),
    Transcript(
        "BP35A1",
        "SKTERM refused",
        "[smdn] SkStackClient.Commands.3.6.SKTERM.cs (3.6)",
        b"SKTERM\r\n",
        b"FAIL ER10\r\n",
        (sk.Fail(code="ER10"),),
        encode=sk.skterm,
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35A1",
        "SKSCAN",
        "[smdn] SkStackClient.Commands.3.9.SKSCAN.cs (3.9)",
        b"SKSCAN 2 FFFFFFFF 2\r\n",
        f"OK\r\nEVENT 22 {A}\r\n".encode(),
        (sk.Ok(), sk.Event(number=0x22, sender=ADDR)),
        encode=lambda: sk.skscan(2, 0xFFFFFFFF, 2),
    ),
    Transcript(
        "BP35A1",
        "EPANDESC",
        "[smdn] SkStackEventParser.cs ExpectEPANDESC (4.5)",
        b"",
        b"EPANDESC\r\n  Channel:21\r\n  Channel Page:09\r\n  Pan ID:8888\r\n  Addr:12345678ABCDEF01\r\n"
        b"  LQI:E1\r\n  PairID:AABBCCDD\r\n",
        (
            sk.PanDescriptor(
                channel=0x21,
                channel_page=9,
                pan_id=0x8888,
                addr=bytes.fromhex("12345678ABCDEF01"),
                lqi=0xE1,
                pair_id="AABBCCDD",
            ),
        ),
    ),
    Transcript(
        "BP35A1",
        "EVENT 25",
        "[smdn] SkStackClient.Events.4.8.EVENT.cs (4.8)",
        b"",
        f"EVENT 25 {A}\r\n".encode(),
        (sk.Event(number=0x25, sender=ADDR),),
        note="PaC side only in every source; that a PAA prints it for each PaC rests on no source",
    ),
    Transcript(
        "BP35A1",
        "EVENT 26",
        "[smdn] SkStackClient.Events.4.8.EVENT.cs (4.8)",
        b"",
        f"EVENT 26 {A}\r\n".encode(),
        (sk.Event(number=0x26, sender=ADDR),),
    ),
    Transcript(
        "BP35A1",
        "EVENT 29",
        "[smdn] SkStackClient.Events.4.8.EVENT.cs (4.8)",
        b"",
        f"EVENT 29 {A}\r\n".encode(),
        (sk.Event(number=0x29, sender=ADDR),),
    ),
    Transcript(
        "BP35A1",
        "EVENT 24",
        "[Skyley] skenums/SKEventNumber.java PANA_CONNECT_FAIL; [momonga] skjoin",
        b"",
        f"EVENT 24 {A}\r\n".encode(),
        (sk.Event(number=0x24, sender=ADDR),),
    ),
    Transcript(
        "BP35A1",
        "EVENT C0",
        "[smdn] SkStackEventParser.cs TryExpectEVENT: C0 has no IPADDR, no PARAM",
        b"",
        b"EVENT C0\r\n",
        (sk.Event(number=0xC0),),
        note="the only EVENT without a sender; the bench's route once died on it",
    ),
    Transcript(
        "BP35A1",
        "ERXUDP binary",
        "[smdn] SkStackClient.Commands.3.6.SKTERM.cs (4.1)",
        b"",
        f"ERXUDP {P} {A} 02CC 02CC 001D129012345679 0 0001 0\r\n".encode(),
        (
            sk.UdpReceived(
                sender=PEER, dest=ADDR, rport=716, lport=716, sender_lla=PEER_MAC, secured=False, data=b"0"
            ),
        ),
    ),
    Transcript(
        "BP35A1",
        "ERXUDP hex",
        "[smdn] SkStackEventParser.cs TryExpectERXUDP; [EchoDotNetLite] ERXUDP.cs",
        b"",
        f"ERXUDP {P} {A} 0E1A 0E1A 001D129012345679 1 0012 {ECHONET_RES.hex().upper()}\r\n".encode(),
        (
            sk.UdpReceived(
                sender=PEER,
                dest=ADDR,
                rport=3610,
                lport=3610,
                sender_lla=PEER_MAC,
                secured=True,
                data=ECHONET_RES,
            ),
        ),
        hex_data=True,
    ),
]

C_ROWS = [
    Transcript(
        "BP35C2",
        "SKINFO",
        "[momonga] momonga_response.py SkInfoResponse (field 5 is SIDE); detect_device",
        b"SKINFO\r\n",
        f"EINFO {A} 001D129012345678 21 8888 0\r\nOK\r\n".encode(),
        (sk.InfoReply(ipaddr=ADDR, addr64=MAC, channel=0x21, pan_id=0x8888, side=0), sk.Ok()),
        encode=sk.skinfo,
        emulator=ECHO_OFF,
        note="line built from momonga's reading: no source prints a C-family EINFO literally",
    ),
    Transcript(
        "BP35C2",
        "ROPT refused",
        "[momonga] momonga_sk_wrapper.py open(): 'ROPT command is unsupported'",
        b"ROPT\r",
        b"FAIL ER04\r\n",
        (sk.Fail(code="ER04"),),
        encode=sk.ropt,
        bare_cr=True,
        emulator=ECHO_OFF,
        note="[RATOC] wbgt_demo.py reads 'OK 00'+CR from a BP35C2: firmware differ; the driver takes both",
    ),
    Transcript(
        "BP35C2",
        "ROPT answered",
        "[RATOC] wbgt_demo.py bp35c2_init: ser.read(6) of 'OK 00'+CR",
        b"ROPT\r",
        b"OK 01\r",
        (sk.Ok(detail="01"),),
        encode=sk.ropt,
        bare_cr=True,
        emulator_why_not="the emulator's BP35C2 follows momonga (FAIL ER04)",
    ),
    Transcript(
        "BP35C2",
        "SKSREG SA2",
        "[momonga] momonga_session_manager.py; [RATOC] 'Set Rcv_RSSI for ERXUDP Event'",
        b"SKSREG SA2 1\r\n",
        b"OK\r\n",
        (sk.Ok(),),
        encode=lambda: sk.sksreg("SA2", True),
        emulator=ECHO_OFF,
    ),
    Transcript(
        "BP35C2",
        "SKSCAN",
        "[momonga] BP35C2Strategy.skscan_command; [B-route C2 client] 'last parameter (0)'",
        b"SKSCAN 2 FFFFFFFF 6 0\r\n",
        f"OK\r\nEVENT 22 {A} 0\r\n".encode(),
        (sk.Ok(), sk.Event(number=0x22, sender=ADDR, side=0)),
        encode=lambda: sk.skscan(2, 0xFFFFFFFF, 6, side=0),
    ),
    Transcript(
        "BP35C2",
        "SKSENDTO",
        "[momonga] BP35C2Strategy.sksendto_args, parse_event ('Verified on hardware: "
        "EVENT 21 FE80:... 0 00'); [B-route C2 client] SKSENDTO 1 <addr> 0E1A 1 0 <len>",
        f"SKSENDTO 1 {A} 0E1A 1 0 000E ".encode() + ECHONET_GET,
        f"EVENT 21 {A} 0 00\r\nOK\r\n".encode(),
        (sk.Event(number=0x21, sender=ADDR, side=0, param=0), sk.Ok()),
        encode=lambda: sk.sksendto(1, ADDR, 0x0E1A, True, ECHONET_GET, side=0),
        emulator=(*ECHO_OFF, b"SKSREG S03 8888\r\n", b"SKSTART\r\n"),
        note="without SIDE a BP35C2 answers FAIL ER05",
    ),
    Transcript(
        "BP35C2",
        "SKTERM",
        "[momonga] MomongaSkWrapper.skterm waits for EVENT 27/28",
        b"SKTERM\r\n",
        f"OK\r\nEVENT 27 {A} 0\r\n".encode(),
        (sk.Ok(), sk.Event(number=0x27, sender=ADDR, side=0)),
        encode=sk.skterm,
        emulator_why_not=PAA_SESSIONLESS,
    ),
    Transcript(
        "BP35C2",
        "EVENT 25",
        "[momonga] skjoin waits for 'EVENT 25'; BP35C2Strategy.parse_event",
        b"",
        f"EVENT 25 {A} 0\r\n".encode(),
        (sk.Event(number=0x25, sender=ADDR, side=0),),
        note="PaC side only in every source",
    ),
    Transcript(
        "BP35C2",
        "EPANDESC",
        "[momonga] SkScanResponse, BP35C2Strategy.decode_scan_side",
        b"",
        b"EPANDESC\r\n  Channel:21\r\n  Channel Page:09\r\n  Pan ID:8888\r\n  Addr:12345678ABCDEF01\r\n"
        b"  LQI:E1\r\n  Side:0\r\n  PairID:CCDDEEFF\r\n",
        (
            sk.PanDescriptor(
                channel=0x21,
                channel_page=9,
                pan_id=0x8888,
                addr=bytes.fromhex("12345678ABCDEF01"),
                lqi=0xE1,
                side=0,
                pair_id="CCDDEEFF",
            ),
        ),
    ),
    Transcript(
        "BP35C2",
        "ERXUDP SA2 1",
        "[momonga] BP35C2Strategy.parse_erxudp (11 fields); [B-route C2 client] "
        "'SA2=1: ERXUDP SENDER DEST RPORT LPORT SENDERLLA RSSI SECURED SIDE DATALEN DATA'",
        b"",
        f"ERXUDP {P} {A} 0E1A 0E1A 001D129012345679 9C 1 0 0012 {ECHONET_RES.hex().upper()}\r\n".encode(),
        (
            sk.UdpReceived(
                sender=PEER,
                dest=ADDR,
                rport=3610,
                lport=3610,
                sender_lla=PEER_MAC,
                secured=True,
                data=ECHONET_RES,
                rssi=0x9C,
                side=0,
            ),
        ),
        hex_data=True,
        note="the column's scale disagrees: momonga converts it as LQI (0.275 x - 104.27 dBm), "
        "the B-route C2 client as x - 107 dBm; the bench keeps the raw octet",
    ),
    Transcript(
        "BP35C2",
        "ERXUDP SA2 0",
        "[B-route C2 client] 'SA2=0: ERXUDP SENDER DEST RPORT LPORT SENDERLLA SECURED SIDE DATALEN DATA'",
        b"",
        f"ERXUDP {P} {A} 0E1A 0E1A 001D129012345679 1 0 0012 {ECHONET_RES.hex().upper()}\r\n".encode(),
        (
            sk.UdpReceived(
                sender=PEER,
                dest=ADDR,
                rport=3610,
                lport=3610,
                sender_lla=PEER_MAC,
                secured=True,
                data=ECHONET_RES,
                side=0,
            ),
        ),
        hex_data=True,
        note="the factory SA2 is 0; momonga's parser needs 11 fields and would drop this line",
    ),
    Transcript(
        "RL7023-DSS",
        "SKSENDTO",
        "[B-route C2 client] 'テセラ製Wi-SUNモジュールでは…' SKSENDTO 1 <addr> 0E1A 1 0",
        f"SKSENDTO 1 {A} 0E1A 1 0 000E ".encode() + ECHONET_GET,
        f"EVENT 21 {A} 0 00\r\nOK\r\n".encode(),
        (sk.Event(number=0x21, sender=ADDR, side=0, param=0), sk.Ok()),
        encode=lambda: sk.sksendto(1, ADDR, 0x0E1A, True, ECHONET_GET, side=0),
    ),
    Transcript(
        "SKSTACK-IP HAN",
        "ERXUDP with RSSI, no SIDE",
        "[Skyley] skevents/SKERxUdpHanParser.java (10 fields)",
        b"",
        f"ERXUDP {P} {A} 0E1A 0E1A 001D129012345679 C4 1 0002 0D0A\r\n".encode(),
        (
            sk.UdpReceived(
                sender=PEER,
                dest=ADDR,
                rport=3610,
                lport=3610,
                sender_lla=PEER_MAC,
                secured=True,
                data=b"\r\n",
                rssi=0xC4,
            ),
        ),
        hex_data=True,
        note="Skyley's HAN edition, not a module model of the bench; read by width like the others",
    ),
]

TRANSCRIPTS = A1_ROWS + C_ROWS
