"""Hustings' PostgreSQL migrations (`bot.migrations.postgresql`), numbered as the SQLite ones beside them.

Version N here gives the same tables, columns, keys and constraints as SQLite's version N
(tests/store/test_schema_parity.py checks it by introspecting both).
"""
