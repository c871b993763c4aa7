"""Shopify Admin API + webhooks simulator: /usr/bin/python3 -m tests.sim.shopify --help (README.md)."""
