Feature: The terminal's home side answers only its declared ECHONET Lite whitelist and ports
  A rogue device on the home network sends the terminal every kind of ECHONET Lite request,
  malformed frames and requests from sources it has no business answering. The terminal
  answers only the objects and properties its declaration lists, refuses the rest as
  declared ("not possible" or silence), lets nothing be written that the list does not
  allow, and passes none of it on to the smart meter. A port probe of either side finds
  only the declared UDP ports answering ("open" means answering: the twin has no ICMP; on
  the IoT route every probe is a secured radio frame, so that probe covers fewer ports).
  (NAT seed 3-1, 無線端末 ②: 悪意のあるIPパケット（コマンド）が宅内側から到達することを防ぐ
  ことを目的に、無線端末が対応するECHONET Liteコマンドを限定すること。また、接続条件（ポート
  番号等）を極小化するなど、必要な通信のみを許可すること)

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And a rogue device on the home network

  @req:NAT-3.1-T2 @hil
  Scenario Outline: A rogue device's <requests> get only what the whitelist allows
    When the terminal is powered on
    And the terminal joins "SM-1"
    And the rogue device sends the terminal <requests>
    Then every answer the terminal gave the rogue device stays within its declared whitelist
    And the terminal answered what its whitelist allows and refused the rest as declared
    And nothing the rogue device sent reached the smart meter

    Examples:
      | requests                                          |
      | Get requests for its whitelisted properties       |
      | Get requests for properties outside its whitelist |
      | requests to objects it does not hold              |
      | SetC requests                                     |
      | SetI requests                                     |
      | SetGet requests                                   |
      | INF_REQ requests                                  |
      | malformed frames                                  |
      | requests from unexpected source addresses         |

  # Not a few chosen properties: every one the terminal's own property maps (0x9D, 0x9E,
  # 0x9F) and its declaration name, each with SetC, SetI and SetGet between two reads.
  # The values read are judged too: the announcement map (0x9D) names the class's mandatory
  # announcements (APPENDIX ch. 2: 0x80, 0x81, 0x88; Part II 6.11.1: 0x80, 0xD5) and only
  # properties the object serves; the node profile's counts (0xD3, 0xD4) match its lists
  # (0xD6, 0xD7) (Part II 6.11.1).
  @req:NAT-3.1-T2
  Scenario: The terminal's property maps match its whitelist, and every property they list is refused a write it does not allow
    When the terminal is powered on
    And the terminal joins "SM-1"
    And the rogue device writes every property the terminal's property maps list, with SetC, SetI and SetGet
    Then every answer the terminal gave the rogue device stays within its declared whitelist
    And the terminal answered what its whitelist allows and refused the rest as declared
    And the property maps the terminal answered list exactly its declared whitelist
    And the objects the terminal answered for describe themselves as ECHONET Lite asks

  @req:NAT-3.1-T2 @hil
  Scenario: A UDP port probe of the terminal's home side finds only the declared ports open
    When the terminal is powered on
    And the terminal joins "SM-1"
    And the rogue device probes the terminal's UDP ports 1-1024, 1900, 3610, 4059, 5353, 5683, 8080, 8443, 49152-49160
    Then only the declared home-side UDP ports answered the probe
    And nothing the rogue device sent reached the smart meter

  @req:NAT-3.1-T2
  Scenario: A UDP port probe from the IoT route finds only the declared ports open
    When the terminal is powered on
    And the terminal joins "SM-1"
    And "SM-1" probes the terminal's UDP ports 1-300, 443, 500, 514, 520, 547, 623, 716, 1900, 3610, 4059, 5353, 5683, 5684, 8080, 8443, 19788, 47808, 61616-61631
    Then only the declared IoT-route UDP ports answered the probe
