"""Notification mails about what is new: the client's daily
list of new documents, the SPANC's weekly list of new folders and shared
documents, the account page where people turn them off and on, and the
one-click unsubscribe page. May import records, access, notifications."""
