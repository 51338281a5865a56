"""Geography: the towns of the district, geocoders and distances (WGS-84)."""
