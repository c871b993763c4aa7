"""Channel simulators for the end-to-end tests (tests/sim/README.md, shopify/README.md)."""
