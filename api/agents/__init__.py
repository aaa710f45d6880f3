"""Hotline agents as people: accounts, passwords, API tokens, console sessions, the audit log.

``python -m api agents add|list|disable|enable|token|revoke`` manages accounts. Identity always
comes from the credential (a console session cookie or a per-agent bearer token), never from a
request body. See docs/architecture.md, section "Agents".
"""
