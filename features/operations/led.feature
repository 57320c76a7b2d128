Feature: Connection LED
  A person can see from the terminal's LED whether it is connected to the SM system. The
  bench reads the LED (on the maintenance port in the twin, a photodiode on a rig) every
  second and compares it with what the smart meter observed at the same moments, against
  the patterns the declaration names for connected and not connected.
  (NAT seed 2-5: 電力SMシステムとの正常な接続について、LEDの点灯パターン等により確認できること;
  THK seed ch. 8: SM通信NWまたは接続サーバまでの接続について、LEDの点灯パターン等により確認できること)

  @req:NAT-2.5-LED @req:THK-8-LED
  Scenario: The LED shows not connected until the smart meter authenticates the terminal, then connected
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And the bench watches the LED every second for 60 seconds
    Then the smart meter authenticated the terminal while the LED was watched
    And the LED showed the connection state the smart meter observed, within 5 seconds of each change

  @req:NAT-2.5-LED @req:THK-8-LED
  Scenario: The LED shows the end of the session and the rejoin
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And the terminal joins "SM-1"
    And the bench watches the LED every second for 10 seconds
    And "SM-1" terminates the terminal's PANA session
    And the bench watches the LED every second for 60 seconds
    Then the LED showed the connection state the smart meter observed, within 5 seconds of each change

  @req:NAT-2.5-LED @req:THK-8-LED
  Scenario: The LED never shows connected while the SM system turns the terminal away
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And the SM system holds another password for the terminal
    When the terminal is powered on
    And the bench watches the LED every second for 5 minutes
    Then the LED showed the connection state the smart meter observed, within 5 seconds of each change
