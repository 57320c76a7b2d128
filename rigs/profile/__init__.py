"""The HIL profile: the interfaces of ``conformance.interfaces`` over a rig's drivers, so
the same feature files and steps judge a real terminal (DESIGN.md rule 2).

* ``rig.HilRig``: the session's parts (from the rig file), opened once, reset per scenario;
* ``bench.HilBench``: one scenario's bench (``Bench``);
* ``clock.RigClock``: the monotonic wall clock, real sleeps, bounded waits;
* ``route.HilIotRoute``: the smart-meter side, one SKSTACK-IP module (EVENT and ERXUDP
  lines become route events);
* ``terminal.HilTerminal``: power through the power supply or the I/O module's relay, the
  maintenance port through ``rigs.drivers.maintenanceconsole`` or a plug-in (``plugins``);
* ``home.HilHome``: the bench's metering device twin on the rig's home LAN (ECHONET Lite);
* the HES is the twin's (``conformance.twin.hes.head_end.TwinHeadEnd``) behind the module:
  DLMS/COSEM from the terminal arrives as ERXUDP on 4059, its downlink leaves with SKSENDTO
  secured.

Capabilities a rig lacks: the side that cannot do what a step asks raises ``pytest.skip``
with the reason (a second smart meter on one module, forged frames without an injector
radio, a frame-loss ratio ...), the simplest honest way: the step needs no flag to check
and the scenario cannot pass without having been judged. The air is ``None`` (no
sniffer), so the steps that read frames skip themselves (``steps.common.air_of``).
"""
