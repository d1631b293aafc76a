"""wcrecall: win back WooCommerce orders whose payment failed."""

__version__ = "0.1.0"
