"""Twins of the smart meter, the HES and the terminals (reference and faulty)."""
