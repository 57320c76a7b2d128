Feature: Access and event logs
  The terminal keeps access logs and event logs as evidence of unauthorised access and
  other incidents: who authenticated or failed to, what was changed and by whom, which
  metering device it read, what it installed or refused. The logs keep the declared number
  of entries for the declared period, survive a power cycle, and a handy terminal reads
  them from the maintenance port.
  (NAT seed 3-1 ⑤: 不正アクセス、ウイルス感染等の証跡を保存するため、アクセスログ、イベントログ等を
  保存する機能を有すること; NAT seed 3-2: 取得する対象、保存期間又は件数等を予め設定し、ログを取得、保持)

  @req:NAT-3.1-T5
  Scenario: Failed and successful authentications are in the access log, at the times they happened
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And the SM system holds another password for the terminal
    When the terminal is powered on
    And 10 minutes pass
    And the SM system registers the terminal's declared password
    And 10 minutes pass
    Then the access log has an authentication failure for every rejection "SM-1" made, at the time it made it
    And the access log has an authentication success for every time "SM-1" authenticated the terminal

  @req:NAT-3.1-T5
  Scenario: Setting changes from the SM system and from a handy terminal are in the event log
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device
    When the terminal is powered on
    And 1 hours pass
    And the HES sets the terminal's granularity to 15 minutes
    And 10 minutes pass
    And a handy terminal sets the granularity to 30 minutes on the maintenance port
    Then the HES saw the setting accepted
    And the event log records the granularity set to 900 s by the SM system and to 1800 s by the maintenance port

  @req:NAT-3.1-T5
  Scenario: A swapped metering device is in the event log
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device
    When the terminal is powered on
    And 2 hours pass
    And the metering device is replaced by one with ID "FE0011223344BB02"
    And 1 hours pass
    Then the event log records the metering device changing from "FE0011223344AA01" to "FE0011223344BB02"

  @req:NAT-3.1-T5
  Scenario: A detected flood is in the event log, and stays there through a power cycle
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device
    When the terminal is powered on
    And the terminal joins "SM-1"
    And 1 hours pass
    And the bench floods the terminal from "SM-1"'s channel with 1,200 bad-MIC frames at 20 a second, from a minute before the next :00 or :30
    And 10 minutes pass
    And the terminal is powered off for 10 minutes
    And the terminal is powered on
    And 10 minutes pass
    Then the event log records a DoS detection after the flood began

  @req:NAT-3.1-T5 @req:NAT-3.2-LOG
  Scenario: The logs survive a power cycle
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device
    When the terminal is powered on
    And 2 hours pass
    And a handy terminal reads the access and event logs
    And the terminal is powered off for 10 minutes
    And the terminal is powered on
    And 10 minutes pass
    Then the access and event logs still hold every entry read before

  @req:NAT-3.2-LOG @req:NAT-3.1-T5
  Scenario: Overflowing, the logs keep at least the declared number of entries, the newest
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    When the terminal is powered on
    And 1 minutes pass
    And a handy terminal changes the upload interval 50 more times than the logs hold
    Then the access log holds at least its declared number of entries, the newest of them
    And the event log holds at least its declared number of entries, the newest of them

  # Entries of several kinds at once: a log filled by a handy terminal's changes must still
  # take every authentication failure that comes after, dropping its oldest entries instead.
  @req:NAT-3.2-LOG @req:NAT-3.1-T5
  Scenario: Full logs keep taking authentication failures among the other entries, the newest kept
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 24 hours
    And the SM system holds another password for the terminal
    When the terminal is powered on
    And 1 minutes pass
    And a handy terminal changes the upload interval 50 more times than the logs hold
    And 15 minutes pass
    Then the access log has an authentication failure for every rejection "SM-1" made in those minutes, at the time it made it
    And the event log holds at least its declared number of entries, the newest of them

  @req:NAT-3.2-LOG
  Scenario: The logs keep their entries for the declared retention period
    Given a smart meter "SM-1" with the terminal's Pairing ID granting sessions of 2400 hours
    When the terminal is powered on
    And 10 minutes pass
    And a handy terminal reads the access and event logs
    And the declared log retention period less one day passes
    Then the access and event logs still hold every entry read before
