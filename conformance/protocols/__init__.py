"""Sans-IO codecs: bytes and events only, no sockets, serial ports or clocks."""
