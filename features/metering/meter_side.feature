Feature: The terminal's meter side: one metering device, on the wire it declares
  A terminal serves one metering device (NAT seed 2-1: 「無線端末に収容可能な特例計量器等は、
  1台を基本とする」), over a wired interface it has and declares (THK seed ch. 8: 「Uバス・Nライン・
  Aライン・接点等の有線インターフェースを搭載すること」; 「インターフェース数は1以上」).

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device

  @req:NAT-2.1-B
  Scenario: With a second metering device on the home network, the terminal serves one
    Given a second metering device on the home side with ID "FE0011223344CC03"
    When the terminal is powered on
    And 3 hours pass
    Then the terminal read energy from one metering device only
    And the HES got the values of one metering device only

  @req:THK-8-IF
  Scenario: The terminal reads its meter over the wired interface it declares
    When the terminal is powered on
    And 2 hours pass
    Then the terminal read the meter over its declared wired interface and no other
