"""Configuration and sources: the base and site configs, the sites' pages and specs, the YAML reader and text editors, the inventory."""
