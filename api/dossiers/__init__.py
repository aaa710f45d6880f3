"""Dossier status lookup (tra cứu hồ sơ): records, sources, verified lookup, audit, CLI.

A lookup needs the dossier code plus a verification factor (last 4 digits of the applicant's
phone or ID number); signed-in agents may skip the factor. Every lookup is audited.
See docs/architecture.md, section "Dossiers".
"""
