"""Seed data: the Cambodia demo and generated data for benchmarks.

Not a service: it builds rows for people to look at and for measurements, through the
services (demo) or straight into the tables (synthetic), and nothing else imports it
but the commands and the tests.
"""
