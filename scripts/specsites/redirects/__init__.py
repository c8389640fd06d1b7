"""Redirects: read (map), planned (plan), linked across sites (linker), written as pages (page, data) and host rules (server_rules), reused between builds (folders)."""
