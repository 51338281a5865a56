"""Intake: persons registered one at a time or imported from the enrolment registry, and
applications filed with the self-assessment."""
