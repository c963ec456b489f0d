"""Site-scoped reads of infusions, and the derived state pages and services share."""
