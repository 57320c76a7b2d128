"""Emulated hardware for CI: real OS devices (ptys, sockets) with the project's twins behind
them, so every rig driver is proven against the interface it will meet on a real rig."""
