"""`N`: virtual networks of every host and their DHCP leases."""
