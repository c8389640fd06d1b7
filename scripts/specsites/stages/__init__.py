"""The engine-neutral stages around an engine: a site opened, prepared, finished."""
