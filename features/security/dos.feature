Feature: Detection of denial-of-service attacks
  Floods of traffic the terminal never asked for, on the IoT route and on the home side, are
  detected: the terminal reports each one to the SM system and in its event log within the
  time it declares, and goes on metering, so that no value is lost.
  (NAT seed 3-1 ④: 外部等からのDoS攻撃を検知する機能を有すること)

  A flood on the IoT route runs at a rate the 920 MHz channel can carry (100 kb/s: a 60-octet
  frame takes about 5 ms of air; the bench keeps a flood under half the channel's airtime, so
  CSMA-CA leaves the real traffic its turns) and lasts at least the declared detection time.
  It begins a minute before a :00 or :30, so the meter read and the upload of that slot happen
  in the middle of it. The detection time runs from the flood's first frame to the event
  notification at the HES (the SM network's multi-hop delay included) and to the time stamp
  of the entry in the event log (maintenance port ``LOG? event``).

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device

  @req:NAT-3.1-T4
  Scenario Outline: A flood of <count> <kind> on the IoT route is detected and reported, and metering goes on
    When the terminal is powered on
    And the terminal joins "SM-1"
    And 1 hours pass
    And the bench floods the terminal from "SM-1"'s channel with <count> <kind> at <rate> a second, from a minute before the next :00 or :30
    And 1 hours pass
    Then the terminal reported the flood to the HES within the declared detection time
    And the terminal's event log on the maintenance port shows the detection within the declared time
    And the HES holds every :00 and :30 value from an hour before the flood to an hour after it

    Examples:
      | count  | kind                        | rate |
      | 10,000 | forged frames of every kind | 50   |
      | 1,200  | bad-MIC frames              | 20   |
      | 1,200  | PANA requests               | 20   |
      | 1,200  | plaintext data frames       | 20   |
      | 1,200  | malformed frames            | 20   |

  @req:NAT-3.1-T4
  Scenario Outline: A flood of <count> <kind> on the home side is detected and reported, and metering goes on
    When the terminal is powered on
    And the terminal joins "SM-1"
    And 1 hours pass
    And a rogue device floods the terminal's home side with <count> <kind> at <rate> a second, from a minute before the next :00 or :30
    And 1 hours pass
    Then the terminal reported the flood to the HES within the declared detection time
    And the terminal's event log on the maintenance port shows the detection within the declared time
    And the HES holds every :00 and :30 value from an hour before the flood to an hour after it

    Examples:
      | count | kind                           | rate |
      | 1,800 | ECHONET Lite requests          | 30   |
      | 1,800 | UDP datagrams of random octets | 30   |
