Feature: Settings from the SM system and from a handy terminal
  The terminal's settings can be changed from the SM system and from a handy terminal;
  the password can be changed, the authentication ID (the terminal ID) cannot.
  (NAT seed 2-5 ※3; THK seed ch. 8)

  Background:
    Given a smart meter "SM-1" with the terminal's Pairing ID
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device

  @req:NAT-2.5-CFG @req:THK-8-CFG @hil
  Scenario: The SM system changes the terminal's password, which it uses from then on
    When the terminal is powered on
    And 1 hours pass
    And the HES changes the terminal's password
    And 5 minutes pass
    And the SM system ends the terminal's session
    Then the terminal is authenticated again with the new password within 5 minutes

  @req:NAT-2.5-CFG @hil
  Scenario: A handy terminal changes the password on the maintenance port
    When the terminal is powered on
    And 1 hours pass
    And a handy terminal sets a new password on the maintenance port
    And the SM system learns the new password and ends the terminal's session
    Then the terminal is authenticated again with the new password within 5 minutes

  @req:NAT-2.5-CFG @req:THK-8-CFG @hil
  Scenario: Neither the SM system nor a handy terminal can change the authentication ID
    When the terminal is powered on
    And 1 hours pass
    And the HES tries to change the terminal's authentication ID
    And a handy terminal tries to change the authentication ID on the maintenance port
    And 5 minutes pass
    And the SM system ends the terminal's session
    Then the HES saw the authentication ID change refused
    And the maintenance port refused the authentication ID change
    And the terminal is authenticated again with its declared authentication ID within 5 minutes

  @req:NAT-2.5-15MIN @req:NAT-2.5-CFG @hil
  Scenario: A handy terminal switches the terminal to 15-minute values
    When the terminal is powered on
    And 1 hours pass
    And a handy terminal sets the granularity to 15 minutes on the maintenance port
    And 2 hours pass
    Then the terminal read the meter's energy over ECHONET Lite every 15 minutes of the last hour
    And the maintenance port shows the granularity set to 15 minutes
