"""Inquiry staff: accounts, sessions, inbox, submission view, export, audit log."""
