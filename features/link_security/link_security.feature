Feature: Mandatory link encryption
  After PANA/EAP-PSK authentication, every frame on the IoT route is protected at layer 2
  with AES-128 CCM* under the HAN group key that PANA delivered, and frames that fail that
  protection are dropped. Only an authenticated terminal takes part in the network.
  (NAT seed 3-1 ②③: 公知な標準メディアが相互接続確認をサポートしている認証・暗号方式,
  レイヤ2での暗号化を必須; THK seed ch. 13: PANAにて交換された鍵 (HAN group key) を利用して
  MAC暗号 (AES-CCM) でのフレーム暗号化)

  @req:NAT-3.1-R3 @req:THK-13-ENC
  Scenario: Every frame after authentication is secured with the group key PANA delivered
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And a smart meter "SM-2" with Pairing ID "IOT99902"
    When the terminal is powered on
    And the terminal joins "SM-1"
    And "SM-1" sends the terminal 20 properly secured echo requests
    Then the terminal answered all of them
    And every frame the terminal sent after authentication is secured with AES-128 CCM* at level 5 or higher
    And the terminal's frame counters strictly increase
    And the terminal's secured frames decrypt with the group key "SM-1" delivered and with no other key

  @req:NAT-3.1-R3 @hil
  Scenario Outline: The terminal drops a frame <protection> and keeps working
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And the terminal joins "SM-1"
    And "SM-1" sends the terminal an echo request <protection>
    Then the terminal does not answer it
    And the terminal still answers a properly secured echo request from "SM-1"

    Examples:
      | protection                         |
      | in plaintext                       |
      | with a bad MIC                     |
      | under a wrong key                  |
      | replayed with an old frame counter |
      | from an unauthenticated address    |

  # The boundaries: IEEE 802.15.4-2015 §9.2.5 takes a counter not greater than the last one
  # accepted for a replay, equal included; a forgery sent to all nodes (a broadcast frame to
  # ff02::1) must fail the same checks as one sent to the terminal alone.
  @req:NAT-3.1-R3
  Scenario Outline: At the boundaries of frame protection the terminal still refuses a frame <protection>
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And the terminal joins "SM-1"
    And "SM-1" sends the terminal an echo request <protection>
    Then the terminal does not answer it
    And the terminal still answers a properly secured echo request from "SM-1"

    Examples:
      | protection                                   |
      | again at the last frame counter it accepted  |
      | to all nodes in plaintext                    |
      | to all nodes with a bad MIC                  |
      | to all nodes again at the last frame counter |

  @req:THK-13-ENC @req:NAT-3.1-R3
  Scenario: The terminal follows a group-key update with no plaintext gap
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And the terminal joins "SM-1"
    And "SM-1" distributes a new group key
    And "SM-1" sends the terminal 6 properly secured echo requests over 2 minutes
    Then the terminal answered all of them
    And every frame the terminal sent after authentication is secured with AES-128 CCM* at level 5 or higher
    And from 30 seconds after the update the terminal secures its frames only with the new key

  @req:THK-13-AUTH @req:NAT-3.1-R3 @hil
  Scenario: The terminal renews its PANA session before the lifetime expires
    Given a smart meter "SM-1" with the terminal's Pairing ID, granting sessions of 600 seconds
    When the terminal is powered on
    And the terminal joins "SM-1"
    And 40 minutes pass
    Then the terminal renewed its session before each expiry
    And every frame the terminal sent after authentication is secured with AES-128 CCM* at level 5 or higher

  @req:THK-13-AUTH @hil
  Scenario: Once the network ends its session the terminal takes no part in it
    Given a smart meter "SM-1" with the terminal's Pairing ID
    When the terminal is powered on
    And the terminal joins "SM-1"
    And "SM-1" terminates the terminal's PANA session
    And "SM-1" sends the terminal an echo request properly secured
    Then the terminal does not answer it

  @req:NAT-3.1-R2
  Scenario: The terminal chooses the strong integrity algorithm when a weak one is offered
    Given a smart meter "SM-1" with the terminal's Pairing ID, also offering AUTH_HMAC_SHA1_96
    When the terminal is powered on
    Then the terminal is authenticated by "SM-1" within 90 seconds of power-on
    And the terminal chose the integrity algorithm AUTH_HMAC_SHA2_256_128
