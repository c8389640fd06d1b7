"""specsites: builds, checks, previews and publishes the CDSC working-group sites."""
