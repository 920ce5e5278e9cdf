"""Open311 GeoReport v2 (XML and JSON) with mySociety's and v2.1's extensions; see views.py."""
