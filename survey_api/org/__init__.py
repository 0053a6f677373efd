"""The catalogue: administrative units, agencies, centres, counters, staff and procedures."""
