"""Simulation kernel: virtual clock, scheduler, radio medium, backhaul delay."""
