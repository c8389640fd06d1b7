"""Checks: links and published ids judged from the pages' facts, the output's stamp, and following a URL like a browser over the built files or HTTP."""
