Feature: Battery life
  A battery-powered terminal must keep working until the meter's verification expires. The
  bench measures the current the terminal draws from the rig's power supply over a duty
  cycle with a join and an upload, averages it over time and projects how long the
  declared capacity lasts at that average (conformance/judge/battery.py).
  (THK seed ch. 8: 電池容量は、各メーターの検定満了までの期間、機能を維持できること)

  @req:THK-8-BATT @hil
  Scenario: The terminal's average current over a duty cycle projects a battery life of at least the declared years
    Given the terminal declares a battery
    And a smart meter "SM-1" with the terminal's Pairing ID
    And a metering device on the home side with ID "FE0011223344AA01"
    And the HES has the terminal commissioned with that metering device
    When the terminal is powered on
    And the bench measures the terminal's current every 10 seconds for 40 minutes
    Then the terminal joined and uploaded a value while its current was measured
    And the average current projects a battery life of at least the declared years
