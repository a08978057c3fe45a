"""Content checks run by every build; each module checks one thing and returns SourceErrors."""
