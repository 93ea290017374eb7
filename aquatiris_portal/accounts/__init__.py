"""Portal accounts: a Django user linked to a Client or a Spanc record."""
