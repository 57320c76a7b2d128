Feature: Firmware update
  The operator updates the terminal's firmware to fix vulnerabilities. The terminal
  installs only an image its vendor signed, for its model, newer than what it runs; it
  logs every installation and every refusal, and after the update it is back on the
  network with no value lost.
  (NAT seed 3-1 ⑥: 脆弱性に対応するため、無線端末のファームウェア更新が行えること。なお、
  ファームウェア更新は利用事業者が実施すること; THK seed ch. 14 (1) 8.)

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device

  @req:NAT-3.1-T6 @req:NAT-3.1-T5
  Scenario: A signed, newer image is installed, reported and logged, and metering resumes
    When the terminal is powered on
    And 2 hours pass
    And a handy terminal installs a signed image of a newer version
    And 6 hours pass
    Then the maintenance port accepted the image
    And the terminal is authenticated again within 5 minutes of the update
    And the terminal reports the new version on the maintenance port
    And the event log records the installation of the new version
    And the HES holds a value for every :00 and :30 since the terminal was commissioned

  @req:NAT-3.1-T6 @req:NAT-3.1-T5
  Scenario Outline: An image <which> is refused and the refusal logged; the terminal runs on
    When the terminal is powered on
    And 1 hours pass
    And a handy terminal tries to install an image <which>
    And 10 minutes pass
    Then the maintenance port refused the image
    And the terminal still reports its declared firmware version
    And the event log records the refusal
    And the terminal stayed on the network

    Examples:
      | which                                          |
      | signed by the vendor, with the payload altered |
      | with no signature                              |
      | signed with another key                        |
      | of an older version                            |
      | of the version it runs                         |
      | for another model                              |
      | cut short                                      |
