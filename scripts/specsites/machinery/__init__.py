"""Machinery: the one writer of generated files, forked workers, file watching, the parsed-file cache, git."""
