"""Binds every feature file to pytest: each scenario becomes one test."""

from pytest_bdd import scenarios

scenarios("join")
