"""The HIL profile: the interfaces of ``conformance.interfaces`` over a rig's drivers, so
the same feature files and steps judge a real terminal (DESIGN.md rule 2).

* ``rig.HilRig``: the session's parts (from the rig file, each built by its role's row
  of ``rigs.roles``), opened once, reset per scenario;
* ``bench.HilBench``: one scenario's bench (``Bench``);
* ``clock.RigClock``: the monotonic wall clock, real sleeps, bounded waits;
* ``route.HilIotRoute``: the smart-meter side, one SKSTACK-IP module (EVENT and ERXUDP
  lines become route events), and the rig's signal generator as the jammer;
* ``terminal.HilTerminal``: power through the power supply or the I/O module's relay, the
  maintenance port through ``rigs.drivers.maintenanceconsole`` or a plug-in (``plugins``);
* ``home.HilHome``: the bench's metering device twin on the rig's home LAN (ECHONET Lite);
* ``hes.HilHeadEnd``: the twin's HES (``conformance.twin.hes.head_end.TwinHeadEnd``)
  behind the module: DLMS/COSEM from the terminal arrives as ERXUDP on 4059, its
  downlink leaves with SKSENDTO secured.

Each side implements every member of its interface explicitly, and every member a step
calls to act or ask tends the rig first (``tending``). A capability the rig lacks is a
member that raises ``NotApplicable`` with the reason (a second smart meter on one module,
forged frames without an injector radio, a frame-loss ratio, a sniffer ...): the fixtures
skip the scenario with it and the certification summary lists it, the step needs no flag
to check, and the scenario cannot pass without having been judged.
"""
