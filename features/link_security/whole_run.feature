Feature: The terminal's whole life on the IoT route, watched by the monitors
  Days of metering across a power cycle, with nothing but the always-on monitors to judge
  them (conformance/observe/monitors): every frame the terminal sends decodes as the NAT-2.2
  stack (IEEE 802.15.4 / 6LoWPAN / IPv6 / ICMPv6 or UDP / DLMS/COSEM or PANA); after its
  first authentication nothing goes in the clear and its frame counters never repeat under
  one key, power cycle included (a repeated CCM* nonce); it uses only its declared UDP
  ports; nothing it stamps is ahead of the SM system's clock. The monitors watch every
  scenario the same way; this one gives them the length and the power cycle where a rare
  lapse shows (one upload in a hundred, a counter restarted at power-on).
  (NAT seed 2-2 IoTルート無線方式; 3-1 ②③ 認証・暗号方式, 第2層以下の暗号化処理は必須;
  3-1 ② 接続条件（ポート番号等）を極小化; 2-5 電力SMシステムと時刻同期)

  @req:NAT-2.2 @req:NAT-3.1-R3 @req:NAT-3.1-T2 @req:NAT-2.5-TIME
  Scenario: Three days of metering across a power cycle, every frame watched
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device
    When the terminal is powered on
    And 2 days pass
    And the terminal is powered off for 10 minutes
    And the terminal is powered on
    And 1 days pass
