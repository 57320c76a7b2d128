"""What the bench observes at the terminal's interfaces, decoded for the steps."""
