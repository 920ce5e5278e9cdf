"""API keys for systems that write through the Open311 API."""
