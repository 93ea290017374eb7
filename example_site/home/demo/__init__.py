"""Demo data of the example site (``manage.py portal_demo``). Not part of
the ``aquatiris_portal`` package: the wheel carries no demo code."""
