"""One module per command: build, check, serve (preview), publish, new (scaffold), mv (move), check --fix (fix)."""
