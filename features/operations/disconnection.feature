Feature: Disconnection and reconnection by the SM system
  When a serious vulnerability or abnormal traffic is found, the transmission operator cuts
  the terminal off: it invalidates the terminal's credentials and removes it from the SM
  network. Once the incident is resolved it re-enables them and the terminal comes back,
  within its declared retry interval and the join time, with no value lost. The operator's
  incident report names the company and the terminal.
  (NAT seed 3-4 【遮断条件】【再接続条件】; THK seed ch. 14 (3) 別表2: 当該無線端末の認証情報を
  無効化し、SM通信NWから遮断する / 認証情報を有効化し、SM通信NWに再接続する; ch. 14 (1) 別表1)

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device

  @req:NAT-3.4-CUT @req:THK-14-CUT
  Scenario: Cut off, the terminal stays off the network, sends nothing and keeps trying sensibly
    When the terminal is powered on
    And 2 hours pass
    And the SM system invalidates the terminal's credentials and ends its session
    And 1 hours pass
    Then the smart meters have not authenticated the terminal since the cut
    And the terminal sent no application data after the cut
    And the terminal kept trying to rejoin while cut off, at a sensible rate

  @req:NAT-3.4-CUT @req:THK-14-CUT @req:NAT-3.2-LOG
  Scenario: Re-enabled, the terminal is back in time and no value of the cut period is lost
    When the terminal is powered on
    And 2 hours pass
    And the SM system invalidates the terminal's credentials and ends its session
    And 1 hours pass
    And the SM system re-enables the terminal's credentials
    And 6 hours pass
    Then the terminal is back on the network within its declared retry interval plus 90 seconds
    And the HES holds a value for every :00 and :30 since the terminal was commissioned
    And the HES closed the gap by asking the terminal, with no operator action
    And the HES's operation log records the cut and the reconnection

  @req:THK-14-REPORT
  Scenario: The operator's incident report names the company and the terminal the SM system knows
    When the terminal is powered on
    And 1 hours pass
    And the operator reports an incident at the terminal
    Then the incident report carries the company name, the company ID and the terminal ID, as declared
    And the SM system knows the reported terminal ID as the terminal it authenticated
