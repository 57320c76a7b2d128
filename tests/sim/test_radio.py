import pytest

from conformance.errors import BenchError
from conformance.sim.radio import RadioMedium, channel_frequency_mhz
from conformance.sim.randomness import stream
from conformance.sim.scheduler import Scheduler


def _medium(seed=1):
    s = Scheduler()
    return s, RadioMedium(s, stream(seed, "radio"))


def test_channel_plan_matches_the_920_mhz_band():
    assert channel_frequency_mhz(33) == 922.5
    assert channel_frequency_mhz(60) == 927.9
    with pytest.raises(BenchError):
        channel_frequency_mhz(32)


def test_frames_reach_ports_on_the_same_channel_only_with_the_link_rssi():
    s, m = _medium()
    got = {"b": [], "c": []}
    a = m.attach("a", lambda *x: None, channel=40)
    m.attach("b", lambda f, r, ch: got["b"].append((f, r, ch)), channel=40)
    m.attach("c", lambda f, r, ch: got["c"].append((f, r, ch)), channel=41)
    m.set_link("a", "b", rssi_dbm=-71.0)
    a.transmit(b"\x01\x02")
    s.run_until(1.0)
    assert got["b"] == [(b"\x01\x02", -71.0, 40)]
    assert got["c"] == []


def test_loss_follows_the_configured_probability_and_is_seeded():
    def delivered(seed):
        s, m = _medium(seed)
        count = []
        a = m.attach("a", lambda *x: None)
        m.attach("b", lambda *x: count.append(1))
        m.background_loss = 0.3
        for _ in range(2000):
            a.transmit(b"x")
        s.run_until(100.0)
        return len(count)

    assert delivered(7) == delivered(7)
    assert 0.65 < delivered(7) / 2000 < 0.75


def test_a_jammed_channel_delivers_nothing_but_the_sniffer_still_sees_it():
    s, m = _medium()
    got, sniffed = [], []
    a = m.attach("a", lambda *x: None, channel=50)
    m.attach("b", lambda *x: got.append(x), channel=50)
    m.add_monitor(sniffed.append)
    m.jam(50)
    a.transmit(b"x")
    s.run_until(1.0)
    assert got == [] and len(sniffed) == 1 and sniffed[0].channel == 50
