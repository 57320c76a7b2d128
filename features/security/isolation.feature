Feature: The terminal isolates the IoT route from the home network and the smart meter's other routes
  The terminal is no router: IPv6 packets handed to it on the home side for the smart
  meter, the A route (HES) or the B route (a HEMS controller), and packets from the IoT
  route for home-side nodes, go nowhere. Nothing from the metering device's address ever
  reaches the smart meter: the terminal speaks to the smart meter only in its own name.
  (NAT seed 3-1 基本要件 ①: 電力SMの他ルート (A、Bルートなど) とアイソレーション※されていること
  ※アイソレーションの定義は、IPパケットの転送機能は持たせず、ネットワークドメインを分離すること;
  ④: IoTルートから他のドメインへIPルーティングで接続することは行わない;
  無線端末 ①: 特例計量器等と電力SM間は、直接の通信は行わないこと)

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And a HEMS controller on the B route of "SM-1"
    And a rogue device on the home network

  @req:NAT-3.1-R1 @req:NAT-3.1-R4
  Scenario Outline: The terminal does not route home-side packets addressed to <target>
    When the terminal is powered on
    And the terminal joins "SM-1"
    And the rogue device sends datagrams addressed to <target> through the terminal
    Then none of those datagrams crossed to the IoT route
    And nothing the rogue device sent reached the smart meter

    Examples:
      | target                             |
      | the smart meter on the IoT route   |
      | the head-end system on the A route |
      | the HEMS controller on the B route |

  # Not only unicast handed to it: what goes to every node of the home link (ff02::1, also
  # ECHONET Lite's multicast group) stays there too.
  @req:NAT-3.1-R1 @req:NAT-3.1-R4
  Scenario: The terminal carries no home-side multicast to the IoT route
    When the terminal is powered on
    And the terminal joins "SM-1"
    And the rogue device sends datagrams to all nodes of the home network
    Then none of those datagrams crossed to the IoT route
    And nothing the rogue device sent reached the smart meter

  @req:NAT-3.1-R1 @req:NAT-3.1-R4
  Scenario Outline: The terminal does not route IoT-route packets addressed to <target> on the home side
    When the terminal is powered on
    And the terminal joins "SM-1"
    And "SM-1" sends the terminal secured datagrams addressed to <target>
    Then none of those datagrams appeared on the home network

    Examples:
      | target              |
      | the metering device |
      | the rogue device    |

  @req:NAT-3.1-T1
  Scenario: Nothing from the metering device's address reaches the smart meter
    Given a metering device on the home side with ID "FE0011223344AA01"
    When the terminal is powered on
    And the terminal joins "SM-1"
    And 40 minutes pass
    And a datagram from the metering device's address is sent to the smart meter through the terminal
    Then the terminal read the metering device over ECHONET Lite
    And no packet from the metering device's address reached the smart meter
    And no datagram at the smart meter carries what the metering device's address sent
