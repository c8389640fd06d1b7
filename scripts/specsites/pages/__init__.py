"""Pages and readers: the site switcher and titles, spec versions and what changed between them, the moved-specifications list."""
