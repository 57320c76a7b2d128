"""PANA's phases end to end, PaC against PAA (RFC 5191 sections 4.1-4.4)."""

from __future__ import annotations

import random

import pytest

from conformance.protocols import pana
from conformance.protocols.pana import (
    Authenticated,
    AuthenticationFailed,
    AvpCode,
    Flag,
    GroupKeyUpdated,
    MessageDiscarded,
    PaaState,
    PacState,
    PeerAuthenticated,
    PeerReauthenticated,
    PeerRejected,
    Reauthenticated,
    ResultCode,
    RetransmissionExhausted,
    SessionTerminated,
    TerminationCause,
)
from tests.protocols.pana.session_pair import FIRST_KEY_ID, IDENTITY, PSK, SESSION_ID, SessionPair, events_of

# --- Authentication -----------------------------------------------------------------------


def test_full_authentication_follows_the_section_4_1_flow() -> None:
    pair = SessionPair().authenticate()
    assert pair.kinds() == ["PCI", "PAR(S)", "PAN(S)", "PAR", "PAN", "PAR", "PAN", "PAR(C)", "PAN(C)"]
    [authenticated] = events_of(pair.pac_events, Authenticated)
    assert authenticated.session_id == SESSION_ID
    assert authenticated.key_id == FIRST_KEY_ID
    assert authenticated.lifetime == 3600
    assert (authenticated.group_key_index, authenticated.group_key) == pair.group_key
    assert pair.pac.group_key == pair.group_key
    assert events_of(pair.paa_events, PeerAuthenticated) == [
        PeerAuthenticated(peer_id=IDENTITY, session_id=SESSION_ID, key_id=FIRST_KEY_ID)
    ]
    assert not events_of(pair.pac_events + pair.paa_events, MessageDiscarded)


def test_both_ends_derive_the_section_5_3_auth_key_from_the_messages_as_sent() -> None:
    pair = SessionPair().authenticate()
    assert pair.pac.pana_auth_key is not None
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key
    # Recompute from the captured datagrams: I_PAR, I_PAN, the Nonces, the Key-Id.
    par_s, pan_s = pair.first("PAR(S)").data, pair.first("PAN(S)").data
    paa_nonce = pair.first("PAR", "paa").message.avp(AvpCode.NONCE)
    pac_nonce = pair.first("PAN", "pac").message.avp(AvpCode.NONCE)
    assert paa_nonce is not None and pac_nonce is not None
    msk = pair.pac._eap_peer.msk
    assert msk is not None
    expected = pana.derive_auth_key(
        msk, par_s, pan_s, pac_nonce.value, paa_nonce.value, FIRST_KEY_ID.to_bytes(4)
    )
    assert pair.pac.pana_auth_key == expected


def test_start_and_complete_messages_carry_the_section_4_1_avps() -> None:
    pair = SessionPair().authenticate()
    key = pair.pac.pana_auth_key
    assert key is not None
    par_s = pair.first("PAR(S)").message
    assert par_s.session_id == SESSION_ID
    assert [a.unsigned32() for a in par_s.all_avps(AvpCode.PRF_ALGORITHM)] == [5]
    assert [a.unsigned32() for a in par_s.all_avps(AvpCode.INTEGRITY_ALGORITHM)] == [12]
    assert [a.unsigned32() for a in par_s.all_avps(AvpCode.ENCRYPTION_ALGORITHM)] == [1]
    pci = pair.first("PCI").message
    assert (pci.session_id, pci.sequence_number, pci.flags, pci.avps) == (0, 0, Flag(0), ())
    par_c = pana.verify(pair.first("PAR(C)").data, key)
    assert [a.code for a in par_c.avps] == [
        AvpCode.RESULT_CODE,
        AvpCode.EAP_PAYLOAD,
        AvpCode.KEY_ID,
        AvpCode.SESSION_LIFETIME,
        AvpCode.ENCRYPTION_ENCAP,
        AvpCode.AUTH,
    ]
    assert par_c.avp(AvpCode.RESULT_CODE).unsigned32() == ResultCode.PANA_SUCCESS
    assert par_c.avp(AvpCode.EAP_PAYLOAD).value[0] == 3  # EAP-Success
    pan_c = pana.verify(pair.first("PAN(C)").data, key)
    assert [a.code for a in pan_c.avps] == [AvpCode.KEY_ID, AvpCode.AUTH]
    assert pan_c.avp(AvpCode.KEY_ID).unsigned32() == FIRST_KEY_ID
    # Only the PAA's first EAP PAR and the PaC's answer to it carry Nonces.
    assert [s.kind for s in pair.sent if s.message.avp(AvpCode.NONCE)] == ["PAR", "PAN"]


def test_group_key_travels_encrypted() -> None:
    pair = SessionPair().authenticate()
    assert pair.group_key[1] not in pair.first("PAR(C)").data


def test_pac_that_does_not_piggyback_sends_eap_in_its_own_par() -> None:
    pair = SessionPair(pac_options={"piggyback": False}).authenticate()
    assert pair.kinds() == [
        "PCI",
        "PAR(S)",
        "PAN(S)",
        "PAR",
        "PAN",
        "PAR",
        "PAN",
        "PAR",
        "PAN",
        "PAR",
        "PAN",
        "PAR(C)",
        "PAN(C)",
    ]
    assert [s.sender for s in pair.sent if s.kind == "PAR"] == ["paa", "pac", "paa", "pac"]
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key


def test_sha1_algorithms_are_negotiated_when_offered_alone() -> None:
    pair = SessionPair(
        paa_options={
            "prf_algorithms": (pana.PrfAlgorithm.PRF_HMAC_SHA1,),
            "integrity_algorithms": (pana.IntegrityAlgorithm.AUTH_HMAC_SHA1_160,),
        }
    ).authenticate()
    pan_s = pair.first("PAN(S)").message
    assert pan_s.avp(AvpCode.PRF_ALGORITHM).unsigned32() == 2
    assert pan_s.avp(AvpCode.INTEGRITY_ALGORITHM).unsigned32() == 7
    assert len(pair.pac.pana_auth_key or b"") == 20
    assert len(pana.decode(pair.first("PAN(C)").data).avp(AvpCode.AUTH).value) == 20


def test_pac_gives_up_when_no_algorithm_is_shared() -> None:
    pair = SessionPair(pac_options={"prf_algorithms_supported": (pana.PrfAlgorithm.PRF_HMAC_SHA1,)}).start()
    pair.run_for(5)
    assert pair.pac.state is PacState.CLOSED
    assert events_of(pair.pac_events, AuthenticationFailed)
    assert "PAN(S)" not in pair.kinds()


def test_without_encryption_no_group_key_is_delivered() -> None:
    pair = SessionPair(pac_options={"encryption_algorithms_supported": ()}).authenticate()
    [authenticated] = events_of(pair.pac_events, Authenticated)
    assert authenticated.group_key is None and authenticated.group_key_index is None
    assert pana.decode(pair.first("PAR(C)").data).avp(AvpCode.ENCRYPTION_ENCAP) is None


@pytest.mark.parametrize("seed", range(8))
def test_authentication_completes_through_30_percent_loss(seed: int) -> None:
    pair = SessionPair(loss=0.3, seed=seed).start()
    pair.run_until(pair.both_open, limit=600)
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key
    assert pair.pac.group_key == pair.group_key
    assert any(not s.delivered for s in pair.sent)


def test_eap_failure_ends_with_par_c_rejected_and_no_auth() -> None:
    pair = SessionPair(psk=b"\xee" * 16).start()
    pair.run_for(10)
    par_c = pair.first("PAR(C)").message
    assert par_c.avp(AvpCode.RESULT_CODE).unsigned32() == ResultCode.PANA_AUTHENTICATION_REJECTED
    assert par_c.avp(AvpCode.EAP_PAYLOAD).value[0] == 4  # EAP-Failure
    assert par_c.avp(AvpCode.AUTH) is None and par_c.avp(AvpCode.KEY_ID) is None
    assert pair.first("PAN(C)").message.avp(AvpCode.AUTH) is None
    assert events_of(pair.pac_events, AuthenticationFailed) == [
        AuthenticationFailed(reason="PAA answered PANA_AUTHENTICATION_REJECTED", result_code=1)
    ]
    assert events_of(pair.paa_events, PeerRejected) == [
        PeerRejected(peer_id=IDENTITY, reason="EAP authentication failed")
    ]
    assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED
    assert pair.pac.pana_auth_key is None and pair.pac.next_deadline is None


# --- Re-authentication, expiry, termination (RFC 5191 sections 4.3 and 4.4) ---------------


def test_pac_reauthenticates_at_80_percent_of_the_lifetime() -> None:
    pair = SessionPair(lifetime=100).authenticate()
    opened_at = pair.now
    old_key = pair.pac.pana_auth_key
    pair.group_key = (2, bytes(range(0x20, 0x30)))
    pair.run_until(lambda: bool(events_of(pair.paa_events, PeerReauthenticated)), limit=opened_at + 100)
    pair.run_for(1.0)
    pnr = pair.first("PNR(A)")
    assert 80.0 <= pnr.at <= 80.1
    assert pair.kinds(since=pnr.at) == ["PNR(A)", "PNA(A)", "PAR", "PAN", "PAR", "PAN", "PAR(C)", "PAN(C)"]
    assert pair.first("PAR", "paa").message.avp(AvpCode.NONCE) is not None
    assert events_of(pair.pac_events, Reauthenticated) == [
        Reauthenticated(session_id=SESSION_ID, key_id=FIRST_KEY_ID + 1, lifetime=100)
    ]
    assert events_of(pair.pac_events, GroupKeyUpdated) == [
        GroupKeyUpdated(key_index=2, key=pair.group_key[1])
    ]
    assert pair.pac.key_id == pair.paa.key_id == FIRST_KEY_ID + 1
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key != old_key
    # Every message after the first PAR(C) carries AUTH (section 5.3).
    after = [s for s in pair.sent if s.at > pair.first("PAR(C)").at]
    assert after and all(s.message.avp(AvpCode.AUTH) for s in after)


def test_reauthentication_keeps_the_session_open_across_lifetimes() -> None:
    pair = SessionPair(lifetime=100).authenticate()
    pair.run_for(450)
    assert pair.both_open()
    assert pair.pac.key_id == FIRST_KEY_ID + 5
    assert not events_of(pair.pac_events, SessionTerminated)


def test_reauthentication_survives_loss() -> None:
    pair = SessionPair(lifetime=100, loss=0.3, seed=3).start()
    pair.run_until(pair.both_open, limit=600)
    pair.run_until(lambda: bool(events_of(pair.pac_events, Reauthenticated)), limit=pair.now + 100)
    pair.run_until(pair.both_open, limit=pair.now + 300)
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key


def test_lifetime_expiry_terminates_both_ends() -> None:
    pair = SessionPair(lifetime=100).authenticate()
    pair.link_up = False  # the PNR(A) at 80 s gets no answer
    received_par_c_at = pair.first("PAR(C)").at + pair.latency
    pair.run_for(received_par_c_at + 99.9 - pair.now)
    assert pair.pac.state is PacState.WAIT_PNA_REAUTH
    pair.run_for(0.2)
    expected = SessionTerminated(session_id=SESSION_ID, cause=TerminationCause.SESSION_TIMEOUT)
    assert events_of(pair.pac_events, SessionTerminated) == [expected]
    assert events_of(pair.paa_events, SessionTerminated) == [expected]
    assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED
    assert pair.pac.next_deadline is None and pair.paa.next_deadline is None


def test_pac_terminates_with_logout() -> None:
    pair = SessionPair().authenticate()
    pair.send("pac", pair.pac.terminate(pair.now))
    pair.run_for(1)
    ptr = pana.verify(pair.first("PTR").data, pair.paa.pana_auth_key or b"")
    assert ptr.avp(AvpCode.TERMINATION_CAUSE).unsigned32() == TerminationCause.LOGOUT
    assert pair.first("PTA").sender == "paa"
    expected = SessionTerminated(session_id=SESSION_ID, cause=TerminationCause.LOGOUT)
    assert events_of(pair.pac_events, SessionTerminated) == [expected]
    assert events_of(pair.paa_events, SessionTerminated) == [expected]
    assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED


def test_paa_terminates_administratively_and_pta_is_resent_from_cache() -> None:
    pair = SessionPair().authenticate()
    [ptr] = pair.paa.terminate(pair.now)
    [pta] = pair.pac.receive(ptr, pair.now + 0.01)
    assert pair.pac.receive(ptr, pair.now + 1.0) == [pta]  # the PTA was lost, the PTR repeated
    assert pair.paa.receive(pta, pair.now + 1.01) == []
    expected = SessionTerminated(session_id=SESSION_ID, cause=TerminationCause.ADMINISTRATIVE)
    assert pair.pac.pop_events() == [expected]
    assert pair.paa.pop_events() == [expected]


def test_unanswered_ptr_still_ends_the_session() -> None:
    pair = SessionPair().authenticate()
    pair.link_up = False
    pair.send("pac", pair.pac.terminate(pair.now))
    pair.run_for(300)
    assert events_of(pair.pac_events, RetransmissionExhausted) == [
        RetransmissionExhausted(message_name="PTR")
    ]
    assert events_of(pair.pac_events, SessionTerminated)[-1].cause == TerminationCause.LOGOUT
    assert pair.pac.state is PacState.CLOSED


def test_paa_pushes_a_new_group_key_in_a_pnr_ping() -> None:
    pair = SessionPair().authenticate()
    pair.group_key = (2, bytes(range(0x40, 0x50)))
    pair.send("paa", pair.paa.push_group_key(pair.now))
    pair.run_for(1)
    assert pair.kinds(since=pair.now - 1) == ["PNR(P)", "PNA(P)"]
    assert events_of(pair.pac_events, GroupKeyUpdated) == [
        GroupKeyUpdated(key_index=2, key=pair.group_key[1])
    ]
    assert pair.paa.state is PaaState.OPEN


# --- With the real EAP method --------------------------------------------------------------


@pytest.mark.parametrize("peer_psk", [PSK, b"\xee" * 16], ids=["right PSK", "wrong PSK"])
def test_pana_runs_eap_psk(peer_psk: bytes) -> None:
    eap_psk = pytest.importorskip("conformance.protocols.eap_psk")
    terminal, meter = b"terminal@iot-route.example", b"meter@iot-route.example"
    pair = SessionPair(
        lifetime=100,
        eap_peer=eap_psk.EapPskPeer(id_p=terminal, psk=peer_psk, randbytes=random.Random(1).randbytes),
        eap_server=eap_psk.EapPskServer(
            id_s=meter,
            psk_for=lambda peer: PSK if peer == terminal else None,
            randbytes=random.Random(2).randbytes,
        ),
    ).start()
    pair.run_for(90)  # through one re-authentication at 80 s
    if peer_psk != PSK:
        assert events_of(pair.paa_events, PeerRejected)
        assert events_of(pair.pac_events, AuthenticationFailed)
        assert pair.pac.state is PacState.CLOSED and pair.paa.state is PaaState.CLOSED
        return
    # Identity, EAP-PSK 1/2 and 3/4 in PAR/PAN, then Success in the PAR(C) (RFC 4764 section 3).
    assert pair.kinds()[:11] == ["PCI", "PAR(S)", "PAN(S)", *["PAR", "PAN"] * 3, "PAR(C)", "PAN(C)"]
    assert events_of(pair.paa_events, PeerAuthenticated) == [
        PeerAuthenticated(peer_id=terminal, session_id=SESSION_ID, key_id=FIRST_KEY_ID)
    ]
    assert events_of(pair.pac_events, Reauthenticated)[0].key_id == FIRST_KEY_ID + 1
    assert pair.pac.pana_auth_key == pair.paa.pana_auth_key
    assert pair.pac.group_key == pair.group_key
    assert not events_of(pair.pac_events + pair.paa_events, MessageDiscarded)
