Feature: Joining the IoT route
  A wireless terminal finds its smart meter by an active scan carrying the Pairing ID,
  chooses the answering meter with the best signal, and authenticates with PANA/EAP-PSK
  straight away, within about 90 seconds of power-on.
  (NAT seed 2-1, 2-3; THK seed ch. 7 and 13)

  @req:THK-7-JOIN @hil
  Scenario Outline: The terminal is authenticated within 90 seconds of power-on
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And the IoT route loses <loss> % of frames
    When the terminal is powered on
    Then the terminal is authenticated by "SM-1" within 90 seconds of power-on

    Examples:
      | loss |
      | 0    |
      | 30   |

  @req:NAT-2.3-A @hil
  Scenario: The active scan carries the declared Pairing ID
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And 2 minutes pass
    Then the terminal has sent Enhanced Beacon Requests
    And every Enhanced Beacon Request from the terminal carries the declared Pairing ID

  # The active scan covers the whole band: its two edges, and a channel each seed draws.
  @req:NAT-2.3-A
  Scenario Outline: The terminal finds its smart meter on channel <channel>
    Given a smart meter "SM-1" with the terminal's Pairing ID on channel <channel>
    When the terminal is powered on
    Then the terminal is authenticated by "SM-1" within 90 seconds of power-on

    Examples:
      | channel                     |
      | 33, the band's lower edge   |
      | 60, the band's upper edge   |
      | drawn from the seed         |

  @req:NAT-2.3-C @hil
  Scenario: The Pairing ID has the guideline's format
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And 2 minutes pass
    Then the Pairing ID on the air has the guideline's format

  @req:NAT-2.3-B
  Scenario: The terminal chooses the strongest smart meter with its Pairing ID
    Given these smart meters:
      | name | pairing id | rssi (dBm) |
      | SM-A | declared   | -85        |
      | SM-B | declared   | -55        |
      | SM-C | IOT99901   | -40        |
    And a neighbouring terminal keeps scanning for Pairing ID "IOT99901"
    When the terminal is powered on
    Then the terminal is authenticated by "SM-B" within 90 seconds of power-on
    And the terminal never started authentication with "SM-A"
    And the terminal never started authentication with "SM-C"

  # No matching meter beside it: a terminal must not fall back to the one it heard.
  @req:NAT-2.3-B
  Scenario: Alone with a smart meter of another Pairing ID, the terminal never authenticates with it
    Given a smart meter "SM-X" with Pairing ID "IOT99901"
    And a neighbouring terminal keeps scanning for Pairing ID "IOT99901"
    When the terminal is powered on
    And 10 minutes pass
    And the terminal has heard the beacon of "SM-X" in an active scan
    Then the terminal never started authentication with "SM-X"

  @req:NAT-2.1-A
  Scenario: A full smart meter refuses the terminal, which joins another one
    Given a smart meter "SM-A" with the terminal's Pairing ID at -50 dBm, already serving 4 terminals
    And a smart meter "SM-B" with the terminal's Pairing ID at -75 dBm
    When the terminal is powered on
    Then "SM-A" refuses the terminal
    And the terminal is authenticated by "SM-B" within 90 seconds of power-on

  @req:NAT-2.1-A
  Scenario: The terminal waits for room on a full smart meter without flooding it
    Given a smart meter "SM-A" with the terminal's Pairing ID at -50 dBm, already serving 4 terminals
    When the terminal is powered on
    And 10 minutes pass
    Then the terminal made at most 12 authentication attempts on "SM-A" in those 10 minutes
    When one of the terminals on "SM-A" leaves
    Then the terminal is authenticated by "SM-A" within its declared retry interval plus 90 seconds

  # An hour of empty scans first: the terminal's rescan pause must stay within its declared
  # retry interval, however many scans found nothing.
  @req:THK-7-JOIN
  Scenario: A smart meter that comes into range after an hour without one is joined in time
    When the terminal is powered on
    And 60 minutes pass
    And a smart meter "SM-1" with the terminal's Pairing ID comes into range
    Then the terminal is authenticated by "SM-1" within its declared retry interval plus 90 seconds of it coming into range

  @req:THK-13-AUTH @hil
  Scenario: PANA authentication comes promptly after the scan and before any application data
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    Then the terminal is authenticated by "SM-1" within 90 seconds of power-on
    And PANA started within 5 seconds of the end of the active scan
    And the terminal sent no application data before it was authenticated

  @req:NAT-3.1-R2 @severity:blocker @hil
  Scenario: A terminal with the wrong password never gets on the network
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And the SM system holds another password for the terminal
    When the terminal is powered on
    And 10 minutes pass
    Then the smart meters never authenticated the terminal
    And the terminal sent no application data
