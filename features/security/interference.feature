Feature: Communication quality under radio interference
  Someone jams the 920 MHz channel the terminal and its smart meter use. The terminal still
  delivers at least the declared share of its values: by retrying through a pulsed jammer,
  and, when a jammer blocks the channel outright and the smart meter hops away from it, by
  finding the meter again on its new channel.
  (THK seed ch. 13 電波干渉対策: 定期的な周波数ホッピングにより、サービス妨害行為による電波干渉
  発生時においても一定程度の通信品質を確保可能とすること)

  The jamming patterns (conformance/MODELLED.md): a pulsed jammer whose short pulses destroy
  30 % of the frames on the channel, for a day; a jammer that blocks the channel for a day,
  the smart meter re-forming its PAN on another channel of its hop sequence a minute after
  the jam begins (the twin models the network's frequency hopping as such a move). A value
  counts as delivered when it reaches the HES before the next upload is due: values fetched
  later by missing-data completion are NAT-2.5-GAP's business; this ratio measures the link.

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device

  @req:THK-13-HOP @hil
  Scenario: Through a pulsed jammer on its channel the terminal still delivers its values
    When the terminal is powered on
    And the terminal joins "SM-1"
    And 1 hours pass
    And a pulsed jammer destroys 30 % of the frames on the channel "SM-1" uses for 24 hours
    Then the terminal delivered at least the declared share of its values in time while jammed

  @req:THK-13-HOP
  Scenario: When a jammer blocks its channel and the smart meter hops away, the terminal follows it
    When the terminal is powered on
    And the terminal joins "SM-1"
    And 1 hours pass
    And a jammer blocks the channel "SM-1" uses for 24 hours, "SM-1" hopping to another channel after 1 minute
    Then the terminal delivered at least the declared share of its values in time while jammed
    And the terminal was authenticated again by "SM-1" on its new channel
