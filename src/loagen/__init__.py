"""loagen: build U.S. FMS Letters of Offer and Acceptance from case data."""

__version__ = "0.1.0"
