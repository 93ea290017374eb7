"""Demo data for the example site (``manage.py portal_demo``)."""
