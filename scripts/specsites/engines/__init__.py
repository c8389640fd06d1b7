"""The engine adapters: where MkDocs is called (the plugin's event glue, pages rendered on every core, the navigation cache, its warnings as file:line)."""
