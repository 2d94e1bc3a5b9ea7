"""Thin Discord adapters: parse options, check permission, call a service, send a view."""
