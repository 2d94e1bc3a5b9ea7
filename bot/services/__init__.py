"""Use-cases: elections, nominations, results, announcements, reminders, imports, sync, audit."""
