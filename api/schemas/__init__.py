"""Request (``...In``/``...Request``) and response (``...Public``) models of the HTTP API."""
